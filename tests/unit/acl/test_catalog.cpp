// Helpers shared by the ACL tests.
#include "test_catalog.h"

#include <gtest/gtest.h>

#include "acl/text.h"

namespace ringcast::acl::testing_support {

User user_with(std::string_view rules) {
  User user("u", catalog());
  const std::vector<std::string_view> words = split_words(rules);
  if (auto error = user.apply(std::span<const std::string_view>(words), catalog())) {
    ADD_FAILURE() << "rules '" << rules << "' failed: " << *error;
  }
  return user;
}

std::string rules_error(std::string_view rules) {
  User user("u", catalog());
  const std::vector<std::string_view> words = split_words(rules);
  return user.apply(std::span<const std::string_view>(words), catalog()).value_or("");
}

}  // namespace ringcast::acl::testing_support
