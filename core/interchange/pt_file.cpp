#include "core/interchange/pt_file.h"

#include <caffe2/serialize/inline_container.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/interchange/internal/zip_directory.h"
#include "core/store/run_file_error.h"

namespace grok {

namespace {

using K = PickleValue::Kind;
using Kind = RunFileError::Kind;
constexpr int kMaxWalkDepth = 8;  // root -> "state_dicts" -> [i] -> entry: values nest no deeper

[[noreturn]] void fail(Kind k, const std::string& name, const std::string& what) {
  throw RunFileError(k, name + ": " + what);
}

float half_to_float(std::uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  const float sign = (h & 0x8000) ? -1.0f : 1.0f;
  if (e == 0) return sign * std::ldexp(static_cast<float>(m), -24);
  if (e == 31) return m ? NAN : sign * INFINITY;
  return sign * std::ldexp(static_cast<float>(m | 0x400), e - 25);
}

float bf16_to_float(std::uint16_t b) {
  const std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

double element(const unsigned char* p, StorageType t) {
  switch (t) {
    case StorageType::F32: {
      float f;
      std::memcpy(&f, p, 4);
      return f;
    }
    case StorageType::F64: {
      double d;
      std::memcpy(&d, p, 8);
      return d;
    }
    case StorageType::F16: {
      std::uint16_t h;
      std::memcpy(&h, p, 2);
      return half_to_float(h);
    }
    case StorageType::BF16: {
      std::uint16_t h;
      std::memcpy(&h, p, 2);
      return bf16_to_float(h);
    }
    case StorageType::I64: {
      std::int64_t i;
      std::memcpy(&i, p, 8);
      return static_cast<double>(i);
    }
    case StorageType::I32: {
      std::int32_t i;
      std::memcpy(&i, p, 4);
      return i;
    }
    case StorageType::I16: {
      std::int16_t i;
      std::memcpy(&i, p, 2);
      return i;
    }
    case StorageType::I8: return static_cast<std::int8_t>(*p);
    case StorageType::U8:
    case StorageType::Bool: return *p;
  }
  return 0;
}

// The pickle's values in Grokking Lab's terms; storages are read from the zip on first use.
class Walker {
 public:
  Walker(caffe2::serialize::PyTorchStreamReader& zip, const ZipDirectory& dir, std::string name, std::int64_t budget)
      : zip_(zip), dir_(dir), name_(std::move(name)), budget_(budget) {}

  PtFile file(const PickleValue* root) {
    PtFile f;
    const PickleValue* list = root->get("state_dicts");
    if (!list) list = root->get("checkpoints");  // the authors' full_run_data.pth
    if (list && (list->is(K::List) || list->is(K::Tuple))) {
      f.full_run = true;
      if (list->items.empty()) fail(Kind::Foreign, name_, "its list of checkpoints is empty");
      if (list->items.size() > static_cast<std::size_t>(kMaxPtCheckpoints))
        fail(Kind::Foreign, name_, "holds more than " + std::to_string(kMaxPtCheckpoints) + " checkpoints (oversized)");
      for (const PickleValue* sd : list->items) {
        if (!is_state_dict(sd)) fail(Kind::Foreign, name_, "a checkpoint in its list is not a state dict");
        f.checkpoints.push_back(state_dict(sd));
      }
      const PickleValue* epochs = root->get("epochs");
      if (!epochs) epochs = root->get("checkpoint_epochs");
      if (epochs) {
        const std::vector<double> e = numbers(epochs, "epochs");
        if (e.size() != f.checkpoints.size())
          fail(Kind::Damaged, name_,
               "lists " + std::to_string(e.size()) + " epochs for " + std::to_string(f.checkpoints.size()) +
                   " checkpoints");
        for (std::size_t i = 0; i < e.size(); ++i) {
          if (e[i] < 0 || e[i] > 1e7 || e[i] != std::floor(e[i]))
            fail(Kind::Damaged, name_, "an epoch that is not a count");
          f.checkpoints[i].epoch = static_cast<int>(e[i]);
        }
      }
      if (const PickleValue* v = root->get("train_losses")) f.train_losses = numbers(v, "train_losses");
      if (const PickleValue* v = root->get("test_losses")) f.test_losses = numbers(v, "test_losses");
    } else {
      const PickleValue* sd = nullptr;
      for (const char* key : {"model", "state_dict", "model_state_dict"})
        if (!sd && is_state_dict(root->get(key))) sd = root->get(key);
      if (!sd && is_state_dict(root)) sd = root;
      if (!sd) fail(Kind::Foreign, name_, "holds no state dict (" + describe(root) + ")");
      f.checkpoints.push_back(state_dict(sd));
      if (const PickleValue* e = root->get("epoch"); e && e->is(K::Int) && e->integer >= 0 && e->integer <= 10'000'000)
        f.checkpoints[0].epoch = static_cast<int>(e->integer);
    }
    if (const PickleValue* c = root->get("config")) config(c, f);
    if (const PickleValue* g = root->get("grokking_lab_config"); g && g->is(K::String)) {
      charge(static_cast<std::int64_t>(g->text.size()));
      f.grokking_lab_config = g->text;
    }
    return f;
  }

 private:
  static bool is_state_dict(const PickleValue* v) {
    if (!v || !v->is(K::Dict)) return false;
    for (std::size_t i = 0; i + 1 < v->items.size(); i += 2)
      if (v->items[i]->is(K::String) && v->items[i + 1]->is(K::Tensor)) return true;
    return false;
  }

  static std::string describe(const PickleValue* v) {
    if (!v->is(K::Dict)) return std::string("a pickled ") + kind_name(v->kind);
    std::string keys;
    for (std::size_t i = 0; i + 1 < v->items.size() && i < 16; i += 2)
      if (v->items[i]->is(K::String)) keys += (keys.empty() ? "" : ", ") + v->items[i]->text.substr(0, 40);
    return "a dict with keys: " + (keys.empty() ? std::string("none") : keys);
  }

  PtCheckpoint state_dict(const PickleValue* sd) {
    PtCheckpoint c;
    for (std::size_t i = 0; i + 1 < sd->items.size(); i += 2)
      if (sd->items[i]->is(K::String) && sd->items[i + 1]->is(K::Tensor))
        c.tensors.push_back(materialize(sd->items[i]->text, *sd->items[i + 1]));
    return c;
  }

  // The storage's bytes, checked to hold every element its tensors address.
  const unsigned char* storage_bytes(const PickleValue& s) {
    auto it = cache_.find(s.text);
    if (it == cache_.end()) {
      const std::string record = "data/" + s.text;
      const std::int64_t declared = dir_.size_of(record);
      if (declared < 0 || !zip_.hasRecord(record))
        fail(Kind::Damaged, name_, "storage " + s.text + " is missing from the archive");
      // Charged as the directory declares it, before LibTorch allocates that much and inflates
      // into it: records may overlap or be compressed (a deflate bomb), so count what would be read.
      charge(declared);
      auto [ptr, size] = zip_.getRecord(record);
      it = cache_.emplace(s.text, std::make_pair(std::move(ptr), size)).first;
    }
    // numel <= bytes / element size, by division: a product could wrap around.
    if (static_cast<std::uint64_t>(s.numel) > it->second.second / storage_element_size(s.storage_type))
      fail(Kind::Damaged, name_,
           "storage " + s.text + " holds " + std::to_string(it->second.second) + " bytes, fewer than its " +
               std::to_string(s.numel) + " elements");
    return static_cast<const unsigned char*>(it->second.first.get());
  }

  void charge(std::int64_t bytes) {
    budget_ -= bytes;
    if (budget_ < 0) fail(Kind::Foreign, name_, "its contents add up to more than the file could hold (oversized)");
  }

  NamedArray materialize(const std::string& name, const PickleValue& t) {
    NamedArray a;
    a.name = name;
    a.dtype = DType::F32;
    a.shape = t.size;
    const std::int64_t n = t.tensor_numel();
    charge(n * 4 + 64 + static_cast<std::int64_t>(name.size()));  // empty tensors and names cost too
    a.bytes.resize(static_cast<std::size_t>(n) * 4);
    if (n == 0) return a;
    const PickleValue& s = *t.storage();
    const unsigned char* base = storage_bytes(s);
    const std::size_t es = storage_element_size(s.storage_type);
    float* out = reinterpret_cast<float*>(a.bytes.data());
    std::vector<std::int64_t> idx(t.size.size(), 0);
    for (std::int64_t k = 0; k < n; ++k) {
      std::int64_t off = t.offset;
      for (std::size_t d = 0; d < idx.size(); ++d) off += idx[d] * t.stride[d];
      out[k] = static_cast<float>(element(base + off * es, s.storage_type));
      for (std::size_t d = idx.size(); d-- > 0;) {  // odometer, last dimension fastest
        if (++idx[d] < t.size[d]) break;
        idx[d] = 0;
      }
    }
    return a;
  }

  // A list or tuple of numbers, or a 1-D tensor of them.
  std::vector<double> numbers(const PickleValue* v, const char* what) {
    std::vector<double> out;
    if (v->is(K::Tensor)) {
      if (v->size.size() > 1) fail(Kind::Foreign, name_, std::string(what) + " is a tensor of more than one dimension");
      const std::int64_t n = v->tensor_numel();
      budget_ -= n * 8;
      if (budget_ < 0)
        fail(Kind::Foreign, name_, std::string(what) + " is longer than the file could hold (oversized)");
      const StorageType t = v->storage()->storage_type;
      const unsigned char* b = n ? storage_bytes(*v->storage()) : nullptr;
      for (std::int64_t k = 0; k < n; ++k)
        out.push_back(
            element(b + (v->offset + k * (v->stride.empty() ? 0 : v->stride[0])) * storage_element_size(t), t));
      return out;
    }
    if (!v->is(K::List) && !v->is(K::Tuple))
      fail(Kind::Foreign, name_, std::string(what) + " is not a list of numbers");
    charge(static_cast<std::int64_t>(v->items.size()) * 8);
    for (const PickleValue* x : v->items) {
      if (x->is(K::Int))
        out.push_back(static_cast<double>(x->integer));
      else if (x->is(K::Float))
        out.push_back(x->real);
      else if (x->is(K::Tensor) && x->tensor_numel() == 1)
        out.push_back(scalar(*x));
      else
        fail(Kind::Foreign, name_, std::string(what) + " holds a " + kind_name(x->kind) + ", not a number");
    }
    return out;
  }

  double scalar(const PickleValue& t) {
    if (t.tensor_numel() != 1) fail(Kind::Foreign, name_, "a tensor where a number belongs");
    const unsigned char* b = storage_bytes(*t.storage());
    return element(b + t.offset * storage_element_size(t.storage()->storage_type), t.storage()->storage_type);
  }

  void config(const PickleValue* c, PtFile& f) {
    if (!c->is(K::Dict)) return;
    for (std::size_t i = 0; i + 1 < c->items.size(); i += 2) {
      if (!c->items[i]->is(K::String)) continue;
      const std::string& key = c->items[i]->text;
      const PickleValue* v = c->items[i + 1];
      char buf[32];
      charge(static_cast<std::int64_t>(key.size()) + 64);  // the memo can make one long key many keys
      switch (v->kind) {
        case K::Int: f.config[key] = std::to_string(v->integer); break;
        case K::Float: std::snprintf(buf, sizeof buf, "%.17g", v->real), f.config[key] = buf; break;
        case K::String: charge(static_cast<std::int64_t>(v->text.size())), f.config[key] = v->text; break;
        case K::Bool: f.config[key] = v->boolean ? "true" : "false"; break;
        case K::None: f.config[key] = "null"; break;
        case K::Tensor:
          if (v->tensor_numel() == 1) std::snprintf(buf, sizeof buf, "%.17g", scalar(*v)), f.config[key] = buf;
          break;
        default: break;
      }
    }
    if (auto it = f.config.find("grokking_lab_config"); it != f.config.end()) f.grokking_lab_config = it->second;
  }

  caffe2::serialize::PyTorchStreamReader& zip_;
  const ZipDirectory& dir_;
  std::string name_;
  std::int64_t budget_;
  std::map<std::string, std::pair<at::DataPtr, std::size_t>> cache_;
};

PtFile read_zip(std::istream& in, std::int64_t size, const std::string& name) {
  char head[4] = {0, 0, 0, 0};
  in.read(head, 4);
  const std::streamsize got = in.gcount();
  in.clear();
  in.seekg(0);
  if (size == 0 || got == 0) fail(Kind::Foreign, name, "is empty");
  if (static_cast<unsigned char>(head[0]) == 0x80)
    fail(Kind::Foreign, name,
         "is in PyTorch's pre-1.6 format; re-save it in PyTorch >= 1.6: torch.save(torch.load(f), \"new.pt\")");
  if (got < 4 || std::memcmp(head, "PK\x03\x04", 4) != 0)
    fail(Kind::Foreign, name, "is not a PyTorch checkpoint (not a zip file)");
  if (size > kMaxPtFileBytes)
    fail(Kind::Foreign, name, "is larger than " + std::to_string(kMaxPtFileBytes >> 30) + " GiB (oversized)");
  try {
    // Sizes from the archive's directory first: LibTorch allocates and inflates a record as large
    // as the directory declares, the version record already in its constructor.
    const ZipDirectory dir = read_zip_directory(in, size);
    in.clear();
    in.seekg(0);
    for (const char* small : {"version", ".data/version"})
      if (dir.size_of(small) > 4096) fail(Kind::Foreign, name, std::string("its ") + small + " record is oversized");
    if (dir.size_of("data.pkl") > kMaxPtPickleBytes)
      fail(Kind::Foreign, name,
           "its pickle is larger than " + std::to_string(kMaxPtPickleBytes >> 20) + " MiB (oversized)");
    caffe2::serialize::PyTorchStreamReader zip(&in);
    if (zip.hasRecord("constants.pkl"))
      fail(Kind::Foreign, name,
           "is a TorchScript archive (torch.jit.save or torch::save), not a state dict; save one with "
           "torch.save(model.state_dict(), f)");
    if (!zip.hasRecord("data.pkl"))
      fail(Kind::Foreign, name, "is a zip file but not a PyTorch checkpoint (no data.pkl)");
    auto [ptr, bytes] = zip.getRecord("data.pkl");
    if (static_cast<std::int64_t>(bytes) > kMaxPtPickleBytes)
      fail(Kind::Foreign, name,
           "its pickle is larger than " + std::to_string(kMaxPtPickleBytes >> 20) + " MiB (oversized)");
    const Pickle pk = parse_pickle(std::string_view(static_cast<const char*>(ptr.get()), bytes));
    return Walker(zip, dir, name, 4 * size + (std::int64_t{64} << 20)).file(pk.root());
  } catch (const ZipDirectoryError& e) {
    fail(Kind::Damaged, name, std::string("damaged checkpoint: ") + e.what());
  } catch (const PickleError& e) {
    const bool refused = std::strncmp(e.what(), "refuses", 7) == 0;
    fail(refused ? Kind::Foreign : Kind::Damaged, name, std::string(refused ? "" : "damaged checkpoint: ") + e.what());
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    msg = msg.substr(0, msg.find('\n'));
    // LibTorch's reader wants every entry under one folder and a version record: a zip without
    // them is some other zip, not a torch file cut short.
    if (msg.find("not in a subdirectory") != std::string::npos || msg.find("file version") != std::string::npos)
      fail(Kind::Foreign, name, "is a zip file but not a PyTorch checkpoint (" + msg + ")");
    fail(Kind::Damaged, name, "damaged checkpoint (" + msg + ")");
  } catch (const std::bad_alloc&) {
    fail(Kind::Foreign, name, "claims more memory than this machine has (oversized or damaged)");
  } catch (const RunFileError&) {
    throw;
  } catch (const std::exception& e) {  // LibTorch's reader lets some through (std::stoull of a bad version)
    fail(Kind::Damaged, name, std::string("damaged checkpoint (") + e.what() + ")");
  }
}

}  // namespace

PtFile read_pt_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(Kind::Missing, path, "no such file");
  if (std::filesystem::is_directory(path, ec)) fail(Kind::Foreign, path, "is a folder, not a checkpoint file");
  const auto size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) fail(Kind::Unreadable, path, std::string("cannot read it (") + std::strerror(errno) + ")");
  return read_zip(in, static_cast<std::int64_t>(size), path);
}

PtFile read_pt_bytes(const std::string& bytes, const std::string& name) {
  std::istringstream in(bytes);
  return read_zip(in, static_cast<std::int64_t>(bytes.size()), name);
}

}  // namespace grok
