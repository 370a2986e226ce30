#include "codec/body.hpp"

#include <algorithm>
#include <limits>

namespace wk::http::codec {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool splitFieldLine(std::string_view line, std::string_view& name, std::string_view& value) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  name = line.substr(0, colon);
  if (!isToken(name)) return false;  // also refuses whitespace before the colon
  value = trimOws(line.substr(colon + 1));
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return isFieldValueChar(static_cast<unsigned char>(c)); });
}

HeadScanner::Status HeadScanner::scan(std::string_view data, std::size_t maxStartLine,
                                      std::size_t maxHead, std::size_t& size, ParseError& error) {
  std::size_t pos = scanned_;
  while (true) {
    auto lf = data.find('\n', pos);
    if (firstLf_ == std::string_view::npos) {
      std::size_t lineLen = lf == std::string_view::npos ? data.size() : lf;
      if (lineLen > maxStartLine + 1) {
        error = ParseError::uri_too_long;
        return Status::error;
      }
      firstLf_ = lf;
    }
    if (lf == std::string_view::npos) {
      if (data.size() > maxHead) {
        error = ParseError::headers_too_large;
        return Status::error;
      }
      scanned_ = data.size();
      return Status::more;
    }
    if (lf == 0 || data[lf - 1] != '\r') {
      error = ParseError::bare_lf;
      return Status::error;
    }
    if (lf + 1 > maxHead) {
      error = ParseError::headers_too_large;
      return Status::error;
    }
    // An empty line (CRLF right after the previous line's LF) ends the head.
    if (lf >= 2 && data[lf - 2] == '\n') {
      size = lf + 1;
      return Status::complete;
    }
    pos = lf + 1;
  }
}

void BodyReader::reset() {
  mode_ = Mode::none;
  done_ = true;
  error_ = ParseError::none;
  remaining_ = 0;
  received_ = 0;
  chunk_ = Chunk::size;
  trailerBytes_ = 0;
  line_.clear();
}

void BodyReader::start(Mode mode, std::uint64_t length, const Limits& limits) {
  reset();
  mode_ = mode;
  limits_ = limits;
  remaining_ = length;
  done_ = mode == Mode::none || (mode == Mode::length && length == 0);
}

void BodyReader::finish() {
  if (done_ || error_ != ParseError::none) return;
  if (mode_ == Mode::untilClose) {
    done_ = true;
  } else {
    error_ = mode_ == Mode::chunked ? ParseError::bad_chunk : ParseError::bad_content_length;
  }
}

std::size_t BodyReader::feed(std::string_view data, std::string* sink) {
  if (done_ || error_ != ParseError::none) return 0;
  if (mode_ == Mode::chunked) return feedChunked(data, sink);
  if (mode_ == Mode::untilClose) {
    if (data.size() > limits_.maxBody - received_) return fail(ParseError::body_too_large, 0);
    received_ += data.size();
    if (sink) sink->append(data);
    return data.size();
  }
  auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
  if (sink) sink->append(data.substr(0, n));
  remaining_ -= n;
  received_ += n;
  if (remaining_ == 0) done_ = true;
  return n;
}

std::size_t BodyReader::feedChunked(std::string_view data, std::string* sink) {
  std::size_t used = 0;
  while (used < data.size() && !done_) {
    auto rest = data.substr(used);
    if (chunk_ == Chunk::data) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
      if (sink) sink->append(rest.substr(0, n));
      remaining_ -= n;
      used += n;
      if (remaining_ == 0) chunk_ = Chunk::dataCrlf;
      continue;
    }
    if (chunk_ == Chunk::dataCrlf) {
      // Exactly CRLF after the chunk data.
      line_.push_back(rest[0]);
      ++used;
      if (line_.size() == 1 && line_[0] != '\r') return fail(ParseError::bad_chunk, used);
      if (line_.size() == 2) {
        if (line_[1] != '\n') return fail(ParseError::bad_chunk, used);
        line_.clear();
        chunk_ = Chunk::size;
      }
      continue;
    }
    // A chunk-size line or a trailer line: collect up to LF.
    auto lf = rest.find('\n');
    auto piece = rest.substr(0, lf == std::string_view::npos ? rest.size() : lf);
    std::size_t cap = chunk_ == Chunk::size ? limits_.maxChunkLine : limits_.maxTrailerBytes;
    if (line_.size() + piece.size() > cap) return fail(ParseError::bad_chunk, used);
    line_.append(piece);
    if (chunk_ == Chunk::trailer) trailerBytes_ += piece.size() + 1;
    if (trailerBytes_ > limits_.maxTrailerBytes) return fail(ParseError::bad_chunk, used);
    if (lf == std::string_view::npos) {
      used += piece.size();
      continue;
    }
    used += lf + 1;
    if (line_.empty() || line_.back() != '\r') return fail(ParseError::bare_lf, used);
    line_.pop_back();
    std::string_view line = line_;
    if (line.find('\r') != std::string_view::npos) return fail(ParseError::bad_chunk, used);
    if (chunk_ == Chunk::trailer) {
      if (line.empty()) {
        done_ = true;
        line_.clear();
        return used;
      }
      std::string_view name, value;
      if (line[0] == ' ' || line[0] == '\t' || !splitFieldLine(line, name, value)) {
        return fail(ParseError::bad_chunk, used);
      }
      line_.clear();
      continue;
    }
    // chunk-size [ chunk-ext ]
    std::uint64_t size = 0;
    std::size_t i = 0;
    for (; i < line.size() && hexValue(line[i]) >= 0; ++i) {
      if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
        return fail(ParseError::bad_chunk, used);
      }
      size = (size << 4) | static_cast<std::uint64_t>(hexValue(line[i]));
    }
    if (i == 0) return fail(ParseError::bad_chunk, used);
    auto ext = line.substr(i);
    auto afterWs = ext.find_first_not_of(" \t");
    if (afterWs != std::string_view::npos) {
      if (ext[afterWs] != ';') return fail(ParseError::bad_chunk, used);
      for (char c : ext) {
        if (!isFieldValueChar(static_cast<unsigned char>(c))) {
          return fail(ParseError::bad_chunk, used);
        }
      }
    } else if (!ext.empty()) {
      return fail(ParseError::bad_chunk, used);  // trailing whitespace without extension
    }
    line_.clear();
    if (size == 0) {
      chunk_ = Chunk::trailer;
      continue;
    }
    if (size > limits_.maxBody - received_) return fail(ParseError::body_too_large, used);
    received_ += size;
    remaining_ = size;
    chunk_ = Chunk::data;
  }
  return used;
}

}  // namespace wk::http::codec
