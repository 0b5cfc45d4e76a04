#include "core/interchange/pickle.h"

namespace grok {

// The opcodes are those of Python's pickle module, protocol 2.
PickleWriter::PickleWriter() {
  op(0x80);  // PROTO 2
  op(2);
}

void PickleWriter::none() { op('N'); }
void PickleWriter::boolean(bool b) { op(b ? 0x88 : 0x89); }

void PickleWriter::integer(std::int64_t v) {
  if (v >= 0 && v < 256) {
    op('K');
    op(static_cast<unsigned char>(v));
  } else if (v >= 0 && v < 65536) {
    op('M');
    op(v & 0xff);
    op((v >> 8) & 0xff);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    op('J');
    for (int i = 0; i < 4; ++i) op((static_cast<std::uint32_t>(v) >> (8 * i)) & 0xff);
  } else {  // LONG1: 8 little-endian two's-complement bytes
    op(0x8a);
    op(8);
    for (int i = 0; i < 8; ++i) op((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
  }
}

void PickleWriter::string(std::string_view s) {
  op('X');  // BINUNICODE: 4-byte length, UTF-8
  for (int i = 0; i < 4; ++i) op((static_cast<std::uint32_t>(s.size()) >> (8 * i)) & 0xff);
  out_.append(s);
}

void PickleWriter::global(const char* module, const char* name) {
  op('c');
  out_ += module;
  out_ += '\n';
  out_ += name;
  out_ += '\n';
}

void PickleWriter::begin_dict() {
  op('}');
  op('(');
}

void PickleWriter::begin_ordered_dict() {
  global("collections", "OrderedDict");
  op(')');
  op('R');
  op('(');
}

void PickleWriter::end_dict() { op('u'); }

void PickleWriter::begin_list() {
  op(']');
  op('(');
}

void PickleWriter::end_list() { op('e'); }

void PickleWriter::int_tuple(const std::vector<std::int64_t>& v) {
  op('(');
  for (std::int64_t x : v) integer(x);
  op('t');
}

void PickleWriter::tensor(const std::string& key, StorageType type, const std::vector<std::int64_t>& shape) {
  std::int64_t numel = 1;
  for (std::int64_t s : shape) numel *= s;
  std::vector<std::int64_t> stride(shape.size());
  std::int64_t step = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    stride[d] = step;
    step *= shape[d];
  }
  global("torch._utils", "_rebuild_tensor_v2");
  op('(');
  op('(');  // persistent id ('storage', torch.<Type>Storage, key, 'cpu', numel)
  string("storage");
  global("torch", storage_class_name(type));
  string(key);
  string("cpu");
  integer(numel);
  op('t');
  op('Q');     // BINPERSID
  integer(0);  // storage offset
  int_tuple(shape);
  int_tuple(stride);
  boolean(false);        // requires_grad
  begin_ordered_dict();  // backward hooks: an empty OrderedDict
  end_dict();
  op('t');
  op('R');
}

std::string PickleWriter::finish() {
  op('.');
  return std::move(out_);
}

}  // namespace grok
