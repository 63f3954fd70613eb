// The counter unit tests' centre: Ludhiana's centre (LDH01, rupees) with counter C1 taking the
// birth certificate (prefix A, Rs 50.00, 7 working days): the child's name, required, and two
// documents, the hospital discharge record and a parent's identity proof.
#pragma once

#include <memory>

#include "guichet/domain/catalogue.hpp"

namespace guichet::counter::testing {

inline domain::Service birth_service() {
  domain::Service birth;
  birth.id = "birth";
  birth.prefix = "A";
  birth.name.by_lang["en"] = "Birth certificate";
  birth.counters = {"C1"};
  birth.fee_minor = 5000;
  birth.time_limit_days = 7;
  domain::FormField name;
  name.id = "child-name";
  name.label.by_lang["en"] = "Child's name";
  name.required = true;
  birth.form = {name};
  domain::RequiredDocument proof;
  proof.id = "hospital-record";
  proof.name.by_lang["en"] = "Hospital discharge record";
  domain::RequiredDocument id;
  id.id = "parent-id";
  id.name.by_lang["en"] = "Parent's identity proof";
  birth.documents = {proof, id};
  return birth;
}

// The centre with counter C1 and `services`.
inline std::shared_ptr<domain::Catalogue> centre_with(std::vector<domain::Service> services) {
  auto c = std::make_shared<domain::Catalogue>();
  c->centre.id = "LDH01";
  c->centre.currency = "INR";
  domain::Counter c1;
  c1.id = "C1";
  c1.number = 1;
  c1.name.by_lang["en"] = "Counter 1";
  c->counters = {c1};
  c->services = std::move(services);
  return c;
}

}  // namespace guichet::counter::testing
