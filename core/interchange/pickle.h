// The pickles inside PyTorch checkpoints, read and written without running anything.
//
// A `.pt` file is a zip whose data.pkl is a Python pickle, and a pickle is a program: its GLOBAL
// and REDUCE opcodes import and call any function (os.system included). This reader is a small
// interpreter of the opcodes state dicts use (protocols 2-5) that calls nothing: it knows the few
// globals a checkpoint needs, as PyTorch's own weights_only loader does, and turns their calls into
// values (an OrderedDict into a Dict, _rebuild_tensor_v2 into a Tensor view of a Storage). Any other
// global is refused by name, before it could be called.
//
// The writer emits the same subset, so what it writes loads with torch.load(f, weights_only=True)
// in every PyTorch since 1.13. It never writes floats: 1.13's weights_only loader has no float
// opcode, so numbers that are not integers travel as float64 tensors (pt_file.h).
//
//   Pickle pk = parse_pickle(bytes);        // throws PickleError with one line
//   const PickleValue* sd = pk.root()->get("state_dict");
//
//   PickleWriter w;
//   w.begin_dict(); w.string("epoch"); w.integer(100); w.end_dict();
//   std::string bytes = w.finish();
//
// Values may be shared, even cyclic, through the memo (BINGET): the Pickle owns them all, and
// whoever walks them bounds the depth (pt_file.cpp does).
//
// Shapes: a Tensor is (storage, offset, size, stride) in elements, as torch stores views; the reader
// checks that every element it addresses lies inside its storage.
//
// Threading: values and functions; a Pickle is read-only once parsed.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace grok {

struct PickleError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// PyTorch's storage element types, named by their Storage class ("torch.FloatStorage").
enum class StorageType { F32, F64, F16, BF16, I64, I32, I16, I8, U8, Bool };
std::size_t storage_element_size(StorageType t);
const char* storage_class_name(StorageType t);  // "FloatStorage", ...
// "torch.FloatStorage" -> F32, ...; false for any other name.
bool storage_type_from_class(const std::string& global, StorageType* out);

struct PickleValue {
  enum class Kind { None, Bool, Int, Float, String, Bytes, Tuple, List, Dict, Global, Storage, Tensor };
  Kind kind = Kind::None;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;                             // String, Bytes; Global: "module.name"; Storage: its key
  std::vector<PickleValue*> items;              // Tuple, List; Dict: key, value, key, value, ...
  StorageType storage_type = StorageType::F32;  // Storage
  std::int64_t numel = 0;                       // Storage: elements
  std::string location;                         // Storage: "cpu", "cuda:0", ...
  // Tensor: a view of `items[0]` (the Storage).
  std::int64_t offset = 0;
  std::vector<std::int64_t> size, stride;

  bool is(Kind k) const { return kind == k; }
  // Dict lookup by string key; nullptr if this is not a Dict or has no such key.
  const PickleValue* get(std::string_view key) const;
  const PickleValue* storage() const { return items.empty() ? nullptr : items[0]; }
  std::int64_t tensor_numel() const;
};

const char* kind_name(PickleValue::Kind k);

// A parsed pickle: the values live as long as it does.
class Pickle {
 public:
  const PickleValue* root() const { return root_; }

 private:
  friend Pickle parse_pickle(std::string_view bytes);
  std::deque<PickleValue> nodes_;
  const PickleValue* root_ = nullptr;
};

// Reads one pickle. Throws PickleError: a global outside the list ("refuses global os.system ..."),
// an opcode outside the subset, a truncated or inconsistent stream, or limits passed (values,
// nesting, memo) that no state dict comes near.
Pickle parse_pickle(std::string_view bytes);

// Writes protocol 2 with the opcodes of torch.save and nothing weights_only would refuse.
class PickleWriter {
 public:
  PickleWriter();
  void none();
  void boolean(bool b);
  void integer(std::int64_t v);
  void string(std::string_view s);
  // Entries (key, value, key, value, ...) between begin and end.
  void begin_dict();
  void begin_ordered_dict();  // collections.OrderedDict, as state_dict() returns
  void end_dict();
  void begin_list();
  void end_list();
  // torch._utils._rebuild_tensor_v2 of a whole contiguous storage `key` (the record data/<key>).
  void tensor(const std::string& key, StorageType type, const std::vector<std::int64_t>& shape);
  std::string finish();  // STOP; the writer is spent

 private:
  void op(unsigned char c) { out_.push_back(static_cast<char>(c)); }
  void global(const char* module, const char* name);
  void int_tuple(const std::vector<std::int64_t>& v);
  std::string out_;
};

}  // namespace grok
