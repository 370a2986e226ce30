#include "wk/path_jail.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using wk::JailError;
using wk::PathJail;

namespace {

void writeFile(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary) << content;
}

std::string readFd(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// A tree with symlinks that stay in and symlinks that lead out:
//   base/outside/secret.txt
//   base/root/{file.txt, dir/inner.txt, dir/sub/, %2e%2e, back\slash, fifo}
//   base/root/link_in -> dir/inner.txt          link_dir -> dir
//   base/root/link_abs_in -> <root>/file.txt    link_out -> ../outside/secret.txt
//   base/root/link_abs_out -> <base>/outside/secret.txt
//   base/root/out_and_back -> ../root/file.txt  dir_out -> ../outside
//   base/root/dir/up -> ../file.txt             dangling -> missing.txt
//   base/root/loop1 <-> loop2                   dangling_out -> ../outside/new.txt
class PathJailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("wk_jail_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "root";
    fs::create_directories(root_ / "dir" / "sub");
    fs::create_directories(base_ / "outside");
    writeFile(base_ / "outside" / "secret.txt", "secret");
    writeFile(root_ / "file.txt", "file");
    writeFile(root_ / "dir" / "inner.txt", "inner");
    writeFile(root_ / "%2e%2e", "literal");
    writeFile(root_ / "back\\slash", "backslash");
    ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0644), 0);
    fs::create_symlink("dir/inner.txt", root_ / "link_in");
    fs::create_symlink("dir", root_ / "link_dir");
    fs::create_symlink(fs::canonical(root_) / "file.txt", root_ / "link_abs_in");
    fs::create_symlink("../outside/secret.txt", root_ / "link_out");
    fs::create_symlink(base_ / "outside" / "secret.txt", root_ / "link_abs_out");
    fs::create_symlink("../root/file.txt", root_ / "out_and_back");
    fs::create_symlink("../outside", root_ / "dir_out");
    fs::create_symlink("../file.txt", root_ / "dir" / "up");
    fs::create_symlink("missing.txt", root_ / "dangling");
    fs::create_symlink("../outside/new.txt", root_ / "dangling_out");
    fs::create_symlink("loop2", root_ / "loop1");
    fs::create_symlink("loop1", root_ / "loop2");
    canon_ = fs::canonical(root_);
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_, root_, canon_;
};

wk::ErrorCode err(JailError e) {
  return make_error_code(e);
}

}  // namespace

TEST(PathJailNormalize, CleanPaths) {
  EXPECT_EQ(PathJail::normalize("").value(), "");
  EXPECT_EQ(PathJail::normalize("/").value(), "");
  EXPECT_EQ(PathJail::normalize("/pxelinux.0").value(), "pxelinux.0");
  EXPECT_EQ(PathJail::normalize("a/b/c").value(), "a/b/c");
  EXPECT_EQ(PathJail::normalize("//a///./b/./").value(), "a/b");
  EXPECT_EQ(PathJail::normalize("a/b/../c").value(), "a/c");
  EXPECT_EQ(PathJail::normalize("a/..").value(), "");
  EXPECT_EQ(PathJail::normalize("a/../b/../..x").value(), "..x");
  EXPECT_EQ(PathJail::normalize("...").value(), "...");
  EXPECT_EQ(PathJail::normalize("%2e%2e/%2e%2e/etc").value(), "%2e%2e/%2e%2e/etc");
  EXPECT_EQ(PathJail::normalize("..\\..\\etc").value(), "..\\..\\etc");
}

TEST(PathJailNormalize, RefusesEscapesAndNul) {
  EXPECT_EQ(PathJail::normalize("..").error(), err(JailError::outside_root));
  EXPECT_EQ(PathJail::normalize("/../etc/passwd").error(), err(JailError::outside_root));
  EXPECT_EQ(PathJail::normalize("a/../../b").error(), err(JailError::outside_root));
  EXPECT_EQ(PathJail::normalize("./a/./../..").error(), err(JailError::outside_root));
  EXPECT_EQ(PathJail::normalize(std::string_view("a\0/../..", 8)).error(),
            err(JailError::invalid_path));
  EXPECT_EQ(PathJail::normalize(std::string_view("file.txt\0.png", 13)).error(),
            err(JailError::invalid_path));
}

TEST(PathJailNormalize, LengthLimits) {
  EXPECT_TRUE(PathJail::normalize(std::string(255, 'a')));
  EXPECT_EQ(PathJail::normalize(std::string(256, 'a')).error(), err(JailError::invalid_path));
  std::string deep;
  for (int i = 0; i < 2000; ++i) deep += "a/";
  EXPECT_TRUE(PathJail::normalize(deep));
  EXPECT_EQ(PathJail::normalize(deep + deep).error(), err(JailError::invalid_path));
  EXPECT_EQ(PathJail::normalize(std::string(100000, '/')).error(), err(JailError::invalid_path));
}

TEST(PathJailNormalize, ErrorCategoryHasMessages) {
  auto ec = err(JailError::outside_root);
  EXPECT_STREQ(ec.category().name(), "path_jail");
  EXPECT_EQ(ec.message(), "path leads outside the root");
}

TEST_F(PathJailTest, RootIsCanonical) {
  PathJail jail(root_ / "dir" / "..");
  EXPECT_EQ(jail.root(), canon_);
  EXPECT_THROW(PathJail(base_ / "nope"), fs::filesystem_error);
  EXPECT_THROW(PathJail(root_ / "file.txt"), fs::filesystem_error);
}

TEST_F(PathJailTest, ResolvesFilesAndSymlinksInside) {
  PathJail jail(root_);
  EXPECT_EQ(jail.resolve("file.txt").value(), canon_ / "file.txt");
  EXPECT_EQ(jail.resolve("/file.txt").value(), canon_ / "file.txt");
  EXPECT_EQ(jail.resolve("").value(), canon_);
  EXPECT_EQ(jail.resolve("dir/sub/../inner.txt").value(), canon_ / "dir" / "inner.txt");
  EXPECT_EQ(jail.resolve("link_in").value(), canon_ / "dir" / "inner.txt");
  EXPECT_EQ(jail.resolve("link_dir/inner.txt").value(), canon_ / "dir" / "inner.txt");
  EXPECT_EQ(jail.resolve("link_abs_in").value(), canon_ / "file.txt");
  EXPECT_EQ(jail.resolve("dir/up").value(), canon_ / "file.txt");
  EXPECT_EQ(jail.resolve("link_dir/up").value(), canon_ / "file.txt");
  EXPECT_EQ(jail.resolve("%2e%2e").value(), canon_ / "%2e%2e");
  EXPECT_EQ(jail.resolve("back\\slash").value(), canon_ / "back\\slash");
}

TEST_F(PathJailTest, RefusesSymlinksOut) {
  PathJail jail(root_);
  EXPECT_EQ(jail.resolve("link_out").error(), err(JailError::outside_root));
  EXPECT_EQ(jail.resolve("link_abs_out").error(), err(JailError::outside_root));
  EXPECT_EQ(jail.resolve("dir_out/secret.txt").error(), err(JailError::outside_root));
  // Leaves the root and comes back: still refused, every hop must stay inside.
  EXPECT_EQ(jail.resolve("out_and_back").error(), err(JailError::outside_root));
  EXPECT_EQ(jail.resolve("../outside/secret.txt").error(), err(JailError::outside_root));
  EXPECT_EQ(jail.resolve("dir/../../outside/secret.txt").error(), err(JailError::outside_root));
}

TEST_F(PathJailTest, MissingLoopsAndNul) {
  PathJail jail(root_);
  EXPECT_EQ(jail.resolve("nope.txt").error(), err(JailError::not_found));
  EXPECT_EQ(jail.resolve("dangling").error(), err(JailError::not_found));
  EXPECT_EQ(jail.resolve("file.txt/x").error(), err(JailError::not_found));
  EXPECT_EQ(jail.resolve("%2e%2e/x").error(), err(JailError::not_found));
  EXPECT_EQ(jail.resolve("..\\outside\\secret.txt").error(), err(JailError::not_found));
  EXPECT_EQ(jail.resolve("loop1").error(), err(JailError::invalid_path));
  EXPECT_EQ(jail.resolve(std::string_view("file.txt\0", 9)).error(), err(JailError::invalid_path));
  EXPECT_EQ(jail.resolve(std::string(5000, 'a')).error(), err(JailError::invalid_path));
}

TEST_F(PathJailTest, ResolveForCreate) {
  PathJail jail(root_);
  EXPECT_EQ(jail.resolveForCreate("new.txt").value(), canon_ / "new.txt");
  EXPECT_EQ(jail.resolveForCreate("/dir/sub/new.txt").value(), canon_ / "dir" / "sub" / "new.txt");
  EXPECT_EQ(jail.resolveForCreate("link_dir/new.txt").value(), canon_ / "dir" / "new.txt");
  EXPECT_EQ(jail.resolveForCreate("file.txt").value(), canon_ / "file.txt");  // overwrite
  EXPECT_EQ(jail.resolveForCreate("dangling").value(), canon_ / "missing.txt");
  EXPECT_EQ(jail.resolveForCreate("nodir/new.txt").error(), err(JailError::not_found));
  EXPECT_EQ(jail.resolveForCreate("dangling_out").error(), err(JailError::outside_root));
  EXPECT_EQ(jail.resolveForCreate("link_out").error(), err(JailError::outside_root));
  EXPECT_EQ(jail.resolveForCreate("dir_out/new.txt").error(), err(JailError::outside_root));
  EXPECT_EQ(jail.resolveForCreate("../new.txt").error(), err(JailError::outside_root));
  EXPECT_EQ(jail.resolveForCreate("dir").error(), err(JailError::not_a_file));
  EXPECT_EQ(jail.resolveForCreate("/").error(), err(JailError::not_a_file));
}

TEST_F(PathJailTest, OpenReadsInsideOnly) {
  PathJail jail(root_);
  auto fd = jail.open("/dir/inner.txt", O_RDONLY);
  ASSERT_TRUE(fd) << fd.error().message();
  EXPECT_EQ(readFd(*fd), "inner");
  EXPECT_NE(::fcntl(*fd, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(::fcntl(*fd, F_GETFL) & O_NONBLOCK, 0);  // blocking mode restored
  ::close(*fd);

  for (const char* inside : {"link_in", "link_dir/inner.txt", "dir/up", "link_abs_in"}) {
    auto f = jail.open(inside, O_RDONLY);
    ASSERT_TRUE(f) << inside << ": " << f.error().message();
    EXPECT_FALSE(readFd(*f).empty());
    ::close(*f);
  }
  EXPECT_EQ(jail.open("link_out", O_RDONLY).error(), err(JailError::outside_root));
  EXPECT_EQ(jail.open("link_abs_out", O_RDONLY).error(), err(JailError::outside_root));
  EXPECT_EQ(jail.open("dir_out/secret.txt", O_RDONLY).error(), err(JailError::outside_root));
  EXPECT_EQ(jail.open("out_and_back", O_RDONLY).error(), err(JailError::outside_root));
  EXPECT_EQ(jail.open("../outside/secret.txt", O_RDONLY).error(), err(JailError::outside_root));
  EXPECT_EQ(jail.open("nope", O_RDONLY).error(), err(JailError::not_found));
  EXPECT_EQ(jail.open(std::string_view("a\0b", 3), O_RDONLY).error(), err(JailError::invalid_path));
}

TEST_F(PathJailTest, OpenRefusesDirectoriesAndFifos) {
  PathJail jail(root_);
  EXPECT_EQ(jail.open("dir", O_RDONLY).error(), err(JailError::not_a_file));
  EXPECT_EQ(jail.open("/", O_RDONLY).error(), err(JailError::not_a_file));
  EXPECT_EQ(jail.open("link_dir", O_RDONLY).error(), err(JailError::not_a_file));
  // A FIFO would block a plain open(O_RDONLY) forever; the jail neither blocks nor opens it.
  EXPECT_EQ(jail.open("fifo", O_RDONLY).error(), err(JailError::not_a_file));
  auto d = jail.open("dir", O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(d) << d.error().message();
  ::close(*d);
  EXPECT_EQ(jail.open("file.txt", O_RDONLY | O_DIRECTORY).error(), err(JailError::not_found));
}

TEST_F(PathJailTest, OpenCreatesInsideOnly) {
  PathJail jail(root_);
  auto fd = jail.open("dir/sub/up.bin", O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_TRUE(fd) << fd.error().message();
  ASSERT_EQ(::write(*fd, "xyz", 3), 3);
  ::close(*fd);
  EXPECT_EQ(fs::file_size(root_ / "dir" / "sub" / "up.bin"), 3u);
  EXPECT_EQ(fs::status(root_ / "dir" / "sub" / "up.bin").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(jail.open("dangling_out", O_WRONLY | O_CREAT, 0644).error(),
            err(JailError::outside_root));
  EXPECT_FALSE(fs::exists(base_ / "outside" / "new.txt"));
  EXPECT_EQ(jail.open("dir_out/x", O_WRONLY | O_CREAT, 0644).error(), err(JailError::outside_root));
  EXPECT_EQ(jail.open("nodir/x", O_WRONLY | O_CREAT, 0644).error(), err(JailError::not_found));
  EXPECT_EQ(jail.open("dir/sub/up.bin", O_WRONLY | O_CREAT | O_EXCL, 0600).error().value(),
            static_cast<int>(JailError::io_error));  // EEXIST: an I/O error to the caller
}

TEST_F(PathJailTest, CopiesAndMovesKeepWorking) {
  PathJail a(root_);
  PathJail b(a);
  PathJail c(std::move(a));
  auto fd = b.open("file.txt", O_RDONLY);
  ASSERT_TRUE(fd);
  ::close(*fd);
  fd = c.open("file.txt", O_RDONLY);
  ASSERT_TRUE(fd);
  ::close(*fd);
  b = c;
  EXPECT_EQ(b.root(), canon_);
}

namespace {

// Makes openat2 fail with ENOSYS in this process, as on a kernel older than 5.6.
bool hideOpenat2() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

// Runs in a forked child (death test): exit 0 only if every expectation holds.
void openWithoutOpenat2(const fs::path& root) {
  if (!hideOpenat2()) {
    std::fprintf(stderr, "cannot install seccomp filter\n");
    std::exit(2);
  }
  open_how how{};
  if (::syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how) != -1 || errno != ENOSYS) {
    std::fprintf(stderr, "openat2 still available\n");
    std::exit(3);
  }
  PathJail jail(root);
  int failures = 0;
  auto expect = [&failures](bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "failed: %s\n", what);
      ++failures;
    }
  };
  auto in = jail.open("link_dir/inner.txt", O_RDONLY);
  expect(in && readFd(*in) == "inner", "open through a symlink inside");
  auto abs = jail.open("link_abs_in", O_RDONLY);
  expect(abs && readFd(*abs) == "file", "open an absolute symlink inside");
  expect(jail.open("link_out", O_RDONLY).error() == err(JailError::outside_root), "link_out");
  expect(jail.open("dir_out/secret.txt", O_RDONLY).error() == err(JailError::outside_root),
         "dir_out");
  expect(jail.open("link_abs_out", O_RDONLY).error() == err(JailError::outside_root),
         "link_abs_out");
  expect(
      jail.open("dangling_out", O_WRONLY | O_CREAT, 0644).error() == err(JailError::outside_root),
      "create through dangling_out");
  expect(jail.open("dir", O_RDONLY).error() == err(JailError::not_a_file), "directory");
  expect(jail.open("fifo", O_RDONLY).error() == err(JailError::not_a_file), "fifo");
  auto created = jail.open("dir/new.txt", O_WRONLY | O_CREAT | O_EXCL, 0600);
  expect(created && ::write(*created, "n", 1) == 1, "create inside");
  std::exit(failures == 0 ? 0 : 1);
}

}  // namespace

TEST_F(PathJailTest, FallbackWithoutOpenat2StaysInside) {
  // The kernel here has openat2; a seccomp filter in a child hides it to test the
  // resolve() + O_NOFOLLOW path taken on older kernels.
  GTEST_FLAG_SET(death_test_style, "fast");  // fork only: the child sees this tree
  EXPECT_EXIT(openWithoutOpenat2(root_), ::testing::ExitedWithCode(0), "");
  EXPECT_TRUE(fs::exists(root_ / "dir" / "new.txt"));
  EXPECT_FALSE(fs::exists(base_ / "outside" / "new.txt"));
}
