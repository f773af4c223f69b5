#!/usr/bin/env bash
# Checks the several-node deploy files without docker or Kubernetes: that
# deploy/cluster's compose file forms a full NATS mesh and points each
# ringcast node at its own NATS server first, that deploy/k8s/cluster agrees
# with itself and keeps deploy/k8s's probes and security settings, and that
# every ringcast config among them, and the shipped file's commented-out
# cluster section once enabled, pass `ringcast --check-config`.
# Usage: deploy_cluster_test.sh SOURCE_DIR RINGCAST_BINARY
set -uo pipefail

src="${1:?source dir}"
bin="${2:?ringcast binary}"
deploy="$src/deploy"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

source "$(dirname "${BASH_SOURCE[0]}")/deploy_check_lib.sh"

# --- ringcast configs: the loader is the authority on what a node accepts ---
for node in "$deploy"/cluster/node-*.yaml; do
  check_config "deploy/cluster/$(basename "$node")" "$node"
done
# The shipped file documents the cluster section commented out; enabled (one
# '#' removed from each of its lines) it must load as it stands.
awk '/^#cluster:$/ {on = 1} on && !/^#/ {exit} on {print substr($0, 2)}' "$src/config/ringcast.yaml" >"$tmp/shipped-cluster.yaml"
if grep -q '^  nats:' "$tmp/shipped-cluster.yaml"; then
  check_config "config/ringcast.yaml's cluster section, uncommented" "$tmp/shipped-cluster.yaml"
else
  fail "config/ringcast.yaml has no commented-out '#cluster:' section with nats under it"
fi

# --- compose and k8s YAML -----------------------------------------------------
py="$(yaml_python)"
if [ -z "$py" ]; then
  skip deploy_cluster_files/yaml "python3 with the yaml module not found: compose and k8s YAML not checked"
else
  if out="$("$py" - "$deploy" "$tmp/configmap-ringcast.yaml" <<'PY' 2>&1
import os, sys, yaml
from urllib.parse import urlsplit
deploy, extracted = sys.argv[1], sys.argv[2]
problems = []

# Compose: NATS servers are the services on the official image, ringcast
# nodes the ones built from the repository; suffix -N pairs node N with nats-N.
cdir = f"{deploy}/cluster"
services = yaml.safe_load(open(f"{cdir}/docker-compose.yml"))["services"]
nats = {n: s for n, s in services.items() if str(s.get("image", "")).startswith("nats:")}
nodes = {n: s for n, s in services.items() if "build" in s}
if sorted(nats) != ["nats-1", "nats-2", "nats-3"] or sorted(nodes) != ["ringcast-1", "ringcast-2", "ringcast-3"]:
    problems.append(f"compose: expected nats-1..3 and ringcast-1..3, got {sorted(services)}")

def flags(cmd):
    return {cmd[i]: cmd[i + 1] for i in range(0, len(cmd) - 1, 2) if cmd[i].startswith("--")}

cluster_names = set()
for name, svc in nats.items():
    if svc["image"] != "nats:2.9-alpine":
        problems.append(f"compose {name}: image {svc['image']}, expected nats:2.9-alpine")
    f = flags(svc.get("command", []))
    cluster_names.add(f.get("--cluster_name"))
    if f.get("--cluster") != "nats://0.0.0.0:6222" or f.get("--port") != "4222" or f.get("--http_port") != "8222":
        problems.append(f"compose {name}: needs --cluster nats://0.0.0.0:6222, --port 4222, --http_port 8222")
    routes = set(f.get("--routes", "").split(","))
    if routes != {f"nats://{other}:6222" for other in nats if other != name}:
        problems.append(f"compose {name}: --routes {sorted(routes)} must name exactly the other servers")
if len(cluster_names) != 1 or None in cluster_names:
    problems.append(f"compose: every NATS server needs the same --cluster_name, got {cluster_names}")

standalone = yaml.safe_load(open(f"{deploy}/docker-compose.yml"))["services"]["ringcast"]
want_build = (os.path.normpath(os.path.join(deploy, standalone["build"]["context"])), standalone["build"]["dockerfile"])
node_names, host_ports = set(), []
for name, svc in nodes.items():
    got_build = (os.path.normpath(os.path.join(cdir, svc["build"]["context"])), svc["build"]["dockerfile"])
    if got_build != want_build:
        problems.append(f"compose {name}: builds {got_build}, deploy/docker-compose.yml builds {want_build}")
    for key in ("security_opt", "cap_drop", "read_only", "ulimits", "command"):
        if svc.get(key) != standalone.get(key):
            problems.append(f"compose {name}: {key} differs from deploy/docker-compose.yml's")
    host_ports += [str(p).rsplit(":", 1)[0] for p in svc.get("ports", [])]
    mounts = [v.split(":") for v in svc.get("volumes", []) if v.endswith(":/etc/ringcast/ringcast.yaml:ro")]
    if len(mounts) != 1 or not os.path.isfile(os.path.join(cdir, mounts[0][0])):
        problems.append(f"compose {name}: must mount one existing config read-only at /etc/ringcast/ringcast.yaml")
        continue
    conf = yaml.safe_load(open(os.path.join(cdir, mounts[0][0])))
    n = (conf.get("cluster") or {}).get("nats") or {}
    urls = [urlsplit(u) for u in n.get("servers") or []]
    own = "nats-" + name.rsplit("-", 1)[1]
    if [u.hostname for u in urls[:1]] != [own] or sorted(u.hostname for u in urls) != sorted(nats):
        problems.append(f"compose {name}: cluster.nats.servers must list {own} first, then the other NATS servers")
    if any(u.scheme != "nats" or u.port != 4222 for u in urls):
        problems.append(f"compose {name}: cluster.nats.servers must be nats://...:4222 URLs")
    node_names.add(n.get("name"))
    if conf.get("bind") != "0.0.0.0":
        problems.append(f"compose {name}: its config must bind 0.0.0.0")
if len(node_names) != len(nodes) or None in node_names:
    problems.append(f"compose: each node needs its own cluster.nats.name, got {node_names}")
if len(set(host_ports)) != len(host_ports):
    problems.append(f"compose: host ports published twice: {host_ports}")

# Kubernetes: every file listed exists, the objects agree, and the pod keeps
# the single-node Deployment's probes and security settings.
kdir = f"{deploy}/k8s/cluster"
kust = yaml.safe_load(open(f"{kdir}/kustomization.yaml"))
listed = set(kust["resources"])
present = {f for f in os.listdir(kdir) if f.endswith(".yaml")} - {"kustomization.yaml"}
if listed != present:
    problems.append(f"k8s/cluster: kustomization lists {sorted(listed)}, directory has {sorted(present)}")
docs = {}
for f in sorted(listed & present):
    for doc in yaml.safe_load_all(open(f"{kdir}/{f}")):
        docs[doc["kind"]] = doc
for kind in ("ConfigMap", "Deployment", "Service", "PodDisruptionBudget"):
    if kind not in docs:
        problems.append(f"k8s/cluster: no {kind}")
if not problems:
    conf_text = docs["ConfigMap"]["data"]["ringcast.yaml"]
    open(extracted, "w").write(conf_text)
    conf = yaml.safe_load(conf_text)
    metrics = conf.get("metrics") or {}
    if conf.get("bind") != "0.0.0.0" or metrics.get("enabled") is not True or metrics.get("bind") != "0.0.0.0":
        problems.append("k8s/cluster: ringcast.yaml must bind 0.0.0.0 and enable metrics on 0.0.0.0")
    urls = [urlsplit(u) for u in ((conf.get("cluster") or {}).get("nats") or {}).get("servers") or []]
    if not urls or any(u.scheme != "nats" or u.port != 4222 or not u.hostname.endswith(".svc.cluster.local") for u in urls):
        problems.append("k8s/cluster: cluster.nats.servers must be nats://<service>.svc.cluster.local:4222 URLs")

    dep = docs["Deployment"]
    single = next(d for d in yaml.safe_load_all(open(f"{deploy}/k8s/deployment.yaml")) if d["kind"] == "Deployment")
    if dep["spec"].get("replicas", 1) < 2:
        problems.append("k8s/cluster: a cluster needs at least 2 replicas")
    pod, single_pod = dep["spec"]["template"]["spec"], single["spec"]["template"]["spec"]
    c, single_c = pod["containers"][0], single_pod["containers"][0]
    if pod["securityContext"] != single_pod["securityContext"]:
        problems.append("k8s/cluster: pod securityContext differs from k8s/deployment.yaml's")
    for key in ("securityContext", "livenessProbe", "readinessProbe", "ports", "args", "volumeMounts"):
        if c.get(key) != single_c.get(key):
            problems.append(f"k8s/cluster: container {key} differs from k8s/deployment.yaml's")
    if not c.get("resources", {}).get("requests") or not c.get("resources", {}).get("limits"):
        problems.append("k8s/cluster: container needs resource requests and limits")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    if ports.get("redis") != conf.get("port", 6379) or ports.get("http") != metrics.get("port"):
        problems.append("k8s/cluster: container ports differ from ringcast.yaml's port and metrics.port")
    if pod["volumes"][0]["configMap"]["name"] != docs["ConfigMap"]["metadata"]["name"]:
        problems.append("k8s/cluster: the pod does not mount the ConfigMap")
    labels = dep["spec"]["template"]["metadata"]["labels"]
    for kind, selector in (("Service", docs["Service"]["spec"]["selector"]),
                           ("PodDisruptionBudget", docs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"]),
                           ("Deployment", dep["spec"]["selector"]["matchLabels"])):
        if any(labels.get(k) != v for k, v in selector.items()):
            problems.append(f"k8s/cluster: {kind} selector does not match the pods")
    for p in docs["Service"]["spec"]["ports"]:
        if p["targetPort"] not in ports:
            problems.append(f"k8s/cluster: Service targets unknown port {p['targetPort']}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
PY
)"; then
    pass "cluster/docker-compose.yml, its node configs and k8s/cluster/*.yaml parse and agree"
    check_config "k8s/cluster ConfigMap ringcast.yaml" "$tmp/configmap-ringcast.yaml"
  else
    fail "cluster compose/k8s YAML: $out"
  fi
fi

report deploy_cluster_files
