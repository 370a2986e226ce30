#pragma once
// What the engine hands to the I/O layer: a response head and a body made of inline text
// and byte spans of an open file (so plain connections can sendfile them).

#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "codec/response.hpp"

namespace wk::http::engine {

struct FileInfo {
  std::uint64_t size = 0;
  std::time_t mtime = 0;
  std::uint64_t inode = 0;
};

// An open regular file.
class File {
 public:
  explicit File(FileInfo info);
  virtual ~File() = default;
  const FileInfo& info() const { return info_; }
  // The Last-Modified value, formatted once per open file.
  const std::string& lastModified() const { return lastModified_; }
  // A descriptor for sendfile, or -1 when the file is not backed by one (tests).
  virtual int fd() const { return -1; }
  // Up to out.size() bytes at offset: the count, 0 at end of file, -1 on error.
  virtual long read(std::uint64_t offset, std::span<char> out) const = 0;

 private:
  FileInfo info_;
  std::string lastModified_;
};

// One piece of a body: text, then (if length > 0) bytes [offset, offset+length) of file.
struct Segment {
  std::string text;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct Response {
  codec::ResponseHead head;
  std::vector<Segment> body;
  std::shared_ptr<const File> file;  // the file the segments refer to
  bool headOnly = false;             // HEAD: Content-Length stays, no body is sent
  bool close = false;                // the connection must close after this response

  int status() const { return head.status; }
  std::uint64_t bodyLength() const;
  // The body as one string (tests, small bodies); reads file spans.
  std::string bodyText() const;
};

}  // namespace wk::http::engine
