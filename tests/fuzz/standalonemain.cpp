// SPDX-License-Identifier: GPL-3.0-or-later
// Regression driver for the fuzz targets when they are not built with
// libFuzzer (gcc, or any normal build): runs every file named on the
// command line, or found under a directory named there, once through
// LLVMFuzzerTestOneInput, in a stable order. A crash or an invariant trap
// ends the process (and fails the ctest); the file being run is printed
// first so the culprit is the last line of the log.
//
//   fuzz_<name> [-v] CORPUS_DIR_OR_FILE...

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv)
{
    bool verbose = false;
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-v") == 0) {
            verbose = true;
            continue;
        }
        const fs::path arg(argv[i]);
        std::error_code ec;
        if (fs::is_directory(arg, ec)) {
            for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
                if (it->is_regular_file(ec))
                    inputs.push_back(it->path());
            }
        } else if (fs::is_regular_file(arg, ec)) {
            inputs.push_back(arg);
        } else {
            std::fprintf(stderr, "%s: no such file or directory: %s\n", argv[0], argv[i]);
            return 2;
        }
        if (ec) {
            std::fprintf(stderr, "%s: cannot read %s: %s\n", argv[0], argv[i], ec.message().c_str());
            return 2;
        }
    }
    if (inputs.empty()) {
        std::fprintf(stderr, "usage: %s [-v] CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    std::sort(inputs.begin(), inputs.end());

    std::size_t bytes = 0;
    for (const fs::path& file : inputs) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "%s: cannot open %s\n", argv[0], file.string().c_str());
            return 2;
        }
        const std::vector<char> content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::fprintf(stderr, "running %s (%zu bytes)\n", file.string().c_str(), content.size());
        std::fflush(stderr);
        // A copy of exactly the file's size, never null even when empty, as
        // libFuzzer passes it: a read past the end is caught by ASan.
        const std::unique_ptr<std::uint8_t[]> data(new std::uint8_t[content.size()]);
        std::copy(content.begin(), content.end(), data.get());
        LLVMFuzzerTestOneInput(data.get(), content.size());
        bytes += content.size();
        if (verbose)
            std::printf("ok %s\n", file.string().c_str());
    }
    std::printf("%s: %zu inputs (%zu bytes), 0 crashes\n", fs::path(argv[0]).filename().string().c_str(),
                inputs.size(), bytes);
    return 0;
}
