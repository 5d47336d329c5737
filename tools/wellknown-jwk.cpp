// wellknown-jwk: prints the public JWK, the kid or the JWK Set that
// ngx_http_wellknown_module publishes for key files, so that whoever signs
// tokens puts the kid the module publishes in their headers. Each key is
// read by the module's own `key` statement (key_statement: the same file
// reader, option parser, JWK builder and serialiser), so the output is the
// served bytes and an error is the text nginx -t gives.
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/jwk.hpp"
#include "core/jwk_set.hpp"
#include "core/key_sets.hpp"
#include "version.hpp"

namespace {

constexpr const char* kName = "wellknown-jwk";

constexpr const char* kHelp =
    "Usage: wellknown-jwk [--kid | --set] FILE [OPTION...] [FILE [OPTION...]]...\n"
    "       wellknown-jwk --help | --version\n"
    "\n"
    "Print the public JWK that ngx_http_wellknown_module publishes for each key\n"
    "FILE, one per line, exactly as served. FILE and OPTIONs are those of a key\n"
    "line in a wellknown_keys block: kid=KID, alg=ALG, use=sig|enc,\n"
    "key_ops=OP[,OP...], x5t, allow_weak, publish=TIME, retire=TIME,\n"
    "window=certificate, lead=DURATION, grace=DURATION. Options apply to the\n"
    "FILE before them. Relative file names are relative to the current directory.\n"
    "\n"
    "  -k, --kid      print only each key's kid: the kid to sign tokens with\n"
    "  -s, --set      print the JWK Set of the keys, as a wellknown_keys\n"
    "                 block listing them in this order serves it now (a key\n"
    "                 whose publication window is not open now is left out)\n"
    "      --key FILE the next key file, even if its name reads as an option\n"
    "  -h, --help     print this help and exit\n"
    "  -V, --version  print the version and exit\n"
    "\n"
    "Exit status: 0 on success; 1 if a key file or option is refused (the\n"
    "message is the one nginx -t gives); 2 for a usage error.\n"
    "\n"
    "Examples:\n"
    "  wellknown-jwk --kid /etc/nginx/keys/signing.pem\n"
    "  wellknown-jwk --set signing.pem old.pem kid=2025-q4 cert.pem x5t\n"
    "\n"
    "See wellknown-jwk(1).\n";

enum class Output { Jwk, Kid, Set };

// After a file name: an option of that key, or the next key file. The key
// statement's own parser decides what an option is, so options it learns
// are options here too; a NAME=VALUE token is always an option (a bad value
// gets the parser's message), and so is any other token that names no file
// (an unknown option gets the parser's message rather than "cannot open").
bool is_key_option(const std::string& token) {
  if (token.find('=') != std::string::npos) return true;
  try {
    wellknown::parse_key_options({token});
    return true;
  } catch (const wellknown::ConfigError&) {
  }
  std::error_code ec;
  return !std::filesystem::exists(token, ec);
}

int usage(const std::string& message) {
  std::cerr << kName << ": " << message << "\nTry '" << kName << " --help' for more information.\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Output output = Output::Jwk;
  bool mode_given = false;
  // Each key: its file name then its options, as on a key line.
  std::vector<std::vector<std::string>> keys;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kHelp;
      return 0;
    }
    if (arg == "-V" || arg == "--version") {
      std::cout << kName << " (nginx-wellknown) " << NGX_HTTP_WELLKNOWN_VERSION << "\n";
      return 0;
    }
    if (arg == "-k" || arg == "--kid" || arg == "-s" || arg == "--set") {
      if (mode_given) return usage("give at most one of --kid and --set");
      mode_given = true;
      output = arg == "-k" || arg == "--kid" ? Output::Kid : Output::Set;
    } else if (arg == "--key") {
      if (i + 1 == argc) return usage("--key needs a file name");
      keys.push_back({argv[++i]});
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage("unknown option '" + arg + "'");
    } else if (keys.empty() || !is_key_option(arg)) {
      keys.push_back({arg});
    } else {
      keys.back().push_back(arg);  // an option of the current key, for the key statement to judge
    }
  }
  if (keys.empty()) return usage("no key file given");

  const wellknown::FullName as_given = [](const std::string& name) { return name; };
  // Windows (publish=, retire=) are judged against now, as a load would.
  const wellknown::Seconds now = static_cast<wellknown::Seconds>(std::time(nullptr));
  try {
    wellknown::KeySets sets;
    wellknown::KeySet& set = sets.define(kName);
    for (const auto& key : keys) {
      for (const auto& w : wellknown::key_statement(set, "key", key, as_given, now)) {
        std::cerr << kName << ": warning: " << w << "\n";
      }
    }
    sets.seal(kName, set, now);
    if (output == Output::Set) {
      // The set as served now: keys whose window is open.
      std::cout << set.timeline.at(now).response->body << "\n";
    } else {
      for (const auto& jwk : set.configured.keys()) {
        std::cout << (output == Output::Kid ? jwk.kid : wellknown::JwkSet::published(jwk).dump())
                  << "\n";
      }
    }
  } catch (const std::exception& e) {
    std::cerr << kName << ": " << e.what() << "\n";
    return 1;
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}
