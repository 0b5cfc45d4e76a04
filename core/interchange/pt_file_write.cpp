// Writing .pt files (pt_file.h): LibTorch's zip writer over a file descriptor or a string.
#include <caffe2/serialize/inline_container.h>

#include <functional>

#include "core/interchange/pt_file.h"
#include "core/store/file_beside.h"
#include "core/store/run_file_error.h"

namespace grok {

namespace {

void write_records(const std::function<std::size_t(const void*, std::size_t)>& sink, const std::string& pickle,
                   const PtStorages& storages) {
  caffe2::serialize::PyTorchStreamWriter zip(sink);
  zip.writeRecord("data.pkl", pickle.data(), pickle.size());
  zip.writeRecord("byteorder", "little", 6);  // what PyTorch >= 2.1 writes; older versions ignore it
  for (const auto& [key, bytes] : storages) zip.writeRecord("data/" + key, bytes.data(), bytes.size());
  zip.writeEndOfFile();
}

}  // namespace

std::string pt_bytes(const std::string& pickle, const PtStorages& storages) {
  std::string out;
  write_records(
      [&](const void* data, std::size_t n) {
        out.append(static_cast<const char*>(data), n);
        return n;
      },
      pickle, storages);
  return out;
}

void write_pt_file(const std::string& path, const std::string& pickle, const PtStorages& storages) {
  write_file_beside(path, [&](FileSink& out) {
    try {
      write_records(
          [&](const void* data, std::size_t n) -> std::size_t {
            out.write(data, n);
            // Always "written": a short count makes the writer throw, and its destructor then
            // writes the end of the archive again and throws out of a destructor. The sink keeps
            // the error instead.
            return n;
          },
          pickle, storages);
    } catch (const std::exception&) {
      if (!out.failed())
        throw RunFileError(RunFileError::Kind::Io, path + ": cannot write the file (zip writer failed)");
    }
  });
}

}  // namespace grok
