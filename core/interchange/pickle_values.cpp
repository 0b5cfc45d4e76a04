#include "core/interchange/pickle.h"

#include <algorithm>

namespace grok {

namespace {

struct StorageClass {
  const char* name;
  StorageType type;
};
constexpr StorageClass kStorages[] = {
    {"FloatStorage", StorageType::F32},     {"DoubleStorage", StorageType::F64}, {"HalfStorage", StorageType::F16},
    {"BFloat16Storage", StorageType::BF16}, {"LongStorage", StorageType::I64},   {"IntStorage", StorageType::I32},
    {"ShortStorage", StorageType::I16},     {"CharStorage", StorageType::I8},    {"ByteStorage", StorageType::U8},
    {"BoolStorage", StorageType::Bool},
};

}  // namespace

bool storage_type_from_class(const std::string& global, StorageType* out) {
  for (const StorageClass& s : kStorages)
    if (global == std::string("torch.") + s.name) return *out = s.type, true;
  return false;
}

std::size_t storage_element_size(StorageType t) {
  switch (t) {
    case StorageType::F64:
    case StorageType::I64: return 8;
    case StorageType::F32:
    case StorageType::I32: return 4;
    case StorageType::F16:
    case StorageType::BF16:
    case StorageType::I16: return 2;
    case StorageType::I8:
    case StorageType::U8:
    case StorageType::Bool: return 1;
  }
  return 1;
}

const char* storage_class_name(StorageType t) {
  for (const StorageClass& s : kStorages)
    if (s.type == t) return s.name;
  return "?";
}

const char* kind_name(PickleValue::Kind k) {
  static const char* names[] = {"None",  "bool", "int",  "float",  "str",     "bytes",
                                "tuple", "list", "dict", "global", "storage", "tensor"};
  return names[static_cast<int>(k)];
}

const PickleValue* PickleValue::get(std::string_view key) const {
  if (kind != Kind::Dict) return nullptr;
  for (std::size_t i = items.size() / 2; i-- > 0;)  // the last of a repeated key, as Python's dict keeps
    if (items[2 * i]->is(Kind::String) && items[2 * i]->text == key) return items[2 * i + 1];
  return nullptr;
}

std::int64_t PickleValue::tensor_numel() const {
  __int128 n = 1;  // saturates at 2^62: sizes are < 2^40 each, at most 16 of them
  for (std::int64_t s : size) n = std::min<__int128>(n * s, std::int64_t{1} << 62);
  return static_cast<std::int64_t>(n);
}

}  // namespace grok
