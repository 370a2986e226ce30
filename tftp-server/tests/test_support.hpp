#pragma once
// Fakes for driving the engine without sockets or files.

#include <map>
#include <string>
#include <vector>

#include "codec/packet.hpp"
#include "engine/file_store.hpp"
#include "engine/transfer.hpp"

namespace wk::tftp::test {

inline std::vector<std::uint8_t> bytesOf(std::string_view s) {
  return {s.begin(), s.end()};
}

struct RecordingTransport : engine::Transport {
  std::vector<std::vector<std::uint8_t>> sent;
  void send(std::span<const std::uint8_t> packet) override {
    sent.emplace_back(packet.begin(), packet.end());
  }
  std::vector<std::vector<std::uint8_t>> take() { return std::exchange(sent, {}); }
};

class MemFile : public engine::ReadableFile {
 public:
  explicit MemFile(std::vector<std::uint8_t> data) : data_(std::move(data)) {}
  std::uint64_t size() const override { return data_.size(); }
  std::ptrdiff_t read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    if (offset >= data_.size()) return 0;
    auto n = std::min<std::size_t>(out.size(), data_.size() - offset);
    std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
    return static_cast<std::ptrdiff_t>(n);
  }

 private:
  std::vector<std::uint8_t> data_;
};

class MemStore : public engine::FileStore {
 public:
  std::map<std::string, std::vector<std::uint8_t>, std::less<>> files;
  int openUploads = 0;

  engine::Opened<engine::ReadableFile> openRead(std::string_view path) override {
    auto it = files.find(path);
    if (it == files.end()) return engine::Refusal{codec::ErrorCode::fileNotFound, "File not found"};
    return std::make_unique<MemFile>(it->second);
  }
  engine::Opened<engine::Upload> openWrite(std::string_view path) override {
    return std::make_unique<MemUpload>(*this, std::string(path));
  }

 private:
  class MemUpload : public engine::Upload {
   public:
    MemUpload(MemStore& store, std::string name) : store_(store), name_(std::move(name)) {
      ++store_.openUploads;
    }
    ~MemUpload() override { --store_.openUploads; }
    bool write(std::span<const std::uint8_t> b) override {
      buf_.insert(buf_.end(), b.begin(), b.end());
      return true;
    }
    bool commit() override {
      store_.files[name_] = buf_;
      return true;
    }

   private:
    MemStore& store_;
    std::string name_;
    std::vector<std::uint8_t> buf_;
  };
};

}  // namespace wk::tftp::test
