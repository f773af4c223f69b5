// SHA-256 password digests, as Redis keeps and compares ACL passwords:
// computed by OpenSSL's libcrypto, compared in constant time.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ringcast::acl {

using Sha256Digest = std::array<uint8_t, 32>;

// Sets libcrypto up without its exit-time cleanup, before anything else uses
// it. With that cleanup, a daemon that hashed a password before libnats set up
// TLS crashed in OPENSSL_cleanup on exit. The process's exit frees everything
// anyway. Call once, first thing in main().
void init_crypto_library();

Sha256Digest sha256(std::string_view data);

// 64 lower-case hex digits, the form ACL GETUSER shows and `#hash` rules take.
std::string to_hex(const Sha256Digest& digest);
// Accepts exactly 64 lower-case hex digits, as Redis does for `#` and `!` rules.
bool parse_hex_digest(std::string_view hex, Sha256Digest& out);

// Compares without an early exit (CRYPTO_memcmp), so the time taken says
// nothing of where two digests first differ.
bool digests_equal(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace ringcast::acl
