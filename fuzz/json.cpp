// JSON documents (metadata_file, and the value of `extra`): parse_json on
// the bytes, the object check load_metadata_file makes, then what the
// adapter does with a metadata file's members: check_member_types on their
// own, and finalize_document for each document kind (relaxed, so that a
// document lacking required members still reaches the type and URL checks
// and is serialised).
#include "fuzz.hpp"

#include "core/metadata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::ordered_json doc;
  if (!fuzz::expect_config_error([&] { doc = wellknown::parse_json(text, "fuzz"); })) return 0;
  (void)doc.dump();
  if (!doc.is_object()) return 0;
  wellknown::ValidationOptions relaxed;
  relaxed.relax_required = true;
  relaxed.allow_http = size % 2 == 0;
  fuzz::expect_config_error([&] { wellknown::check_member_types(doc, relaxed); });
  for (auto kind : {wellknown::Document::OpenIdConfiguration,
                    wellknown::Document::AuthorizationServer,
                    wellknown::Document::ProtectedResource}) {
    nlohmann::ordered_json copy = doc;
    fuzz::expect_config_error([&] {
      (void)wellknown::finalize_document(kind, copy, relaxed);
      (void)copy.dump();
    });
  }
  return 0;
}
