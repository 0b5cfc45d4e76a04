#include "core/interchange/pickle.h"

#include <algorithm>
#include <cstring>

namespace grok {

namespace {

// Far beyond any checkpoint file (a 100-checkpoint run is ~15 000 values, the authors' 500
// checkpoints with 55 000 logged losses ~130 000) and few enough (~150 bytes each) that a hostile
// stream cannot exhaust memory through them.
constexpr std::size_t kMaxValues = 4'000'000;
constexpr std::size_t kMaxDepth = 100'000;  // open MARKs
constexpr std::size_t kMaxMemo = 10'000'000;
// Every byte the reader allocates is charged before it is allocated (values, the references
// containers hold, text, the stack, the marks, the memo): the memo lets one string or container be
// named many times, so the input's size alone bounds nothing. The authors' 500-checkpoint file
// needs ~25 MiB.
constexpr std::uint64_t kMaxMemoryBytes = std::uint64_t{128} << 20;
constexpr std::size_t kMaxNameBytes = 1024;  // a global's module or name, a storage's key or location
constexpr int kMaxDims = 16;

using K = PickleValue::Kind;

// The globals a checkpoint needs; everything else is refused before anything could call it.
bool allowed_global(const std::string& g) {
  if (g == "collections.OrderedDict" || g == "torch._utils._rebuild_tensor_v2" ||
      g == "torch._utils._rebuild_parameter" || g == "torch._utils._rebuild_parameter_with_state" ||
      g == "_codecs.encode")
    return true;
  StorageType t;
  return storage_type_from_class(g, &t);
}

class Reader {
 public:
  Reader(std::string_view in, std::deque<PickleValue>& nodes) : in_(in), nodes_(nodes) {}

  PickleValue* run() {
    while (true) {
      const std::size_t at = pos_;
      const unsigned char c = byte();
      switch (c) {
        case 0x80: byte(); break;   // PROTO
        case 0x95: take(8); break;  // FRAME (a length hint)
        case '.': return stop();    // STOP
        case '(': mark(); break;    // MARK
        case ')': push(make(K::Tuple)); break;
        case ']': push(make(K::List)); break;
        case '}': push(make(K::Dict)); break;
        case 't': push(collect(K::Tuple, pop_mark())); break;
        case 0x85: tuple_of(1); break;
        case 0x86: tuple_of(2); break;
        case 0x87: tuple_of(3); break;
        case 'a': append({pop()}); break;
        case 'e': append(pop_mark()); break;
        case 's': {
          PickleValue* v = pop();
          PickleValue* k = pop();
          set_items({k, v});
          break;
        }
        case 'u': set_items(pop_mark()); break;
        case 'N': push(make(K::None)); break;
        case 0x88: push(boolean(true)); break;
        case 0x89: push(boolean(false)); break;
        case 'J': push(integer(static_cast<std::int32_t>(le(4)))); break;
        case 'K': push(integer(le(1))); break;
        case 'M': push(integer(le(2))); break;
        case 0x8a: push(long1()); break;
        case 'G': push(binfloat()); break;
        case 'X': push(text(K::String, le(4))); break;
        case 0x8c: push(text(K::String, le(1))); break;
        case 0x8d: push(text(K::String, le(8))); break;
        case 'U': push(text(K::String, le(1))); break;  // SHORT_BINSTRING (protocol 2 str of bytes)
        case 'T': push(text(K::String, le(4))); break;  // BINSTRING
        case 'C': push(text(K::Bytes, le(1))); break;
        case 'B': push(text(K::Bytes, le(4))); break;
        case 'q': memo(le(1)); break;
        case 'r': memo(le(4)); break;
        case 0x94: memo(memo_.size()); break;  // MEMOIZE
        case 'h': push(recall(le(1))); break;
        case 'j': push(recall(le(4))); break;
        case 'c': {
          std::string module = line();
          std::string name = line();
          push(global(module + "." + name));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          PickleValue* name = pop();
          PickleValue* module = pop();
          if (!name->is(K::String) || !module->is(K::String)) fail("STACK_GLOBAL of a non-string");
          if (name->text.size() > kMaxNameBytes || module->text.size() > kMaxNameBytes)
            fail("STACK_GLOBAL of a name longer than " + std::to_string(kMaxNameBytes) + " bytes");
          push(global(module->text + "." + name->text));
          break;
        }
        case 'R': reduce(); break;
        case 'Q': persistent(); break;
        case 'b': build(); break;
        default:
          fail("unsupported pickle opcode 0x" + hex(c) + " at byte " + std::to_string(at) +
               " (a state dict uses none like it)");
      }
    }
  }

 private:
  [[noreturn]] static void fail(const std::string& what) { throw PickleError(what); }
  static std::string hex(unsigned c) {
    const char* d = "0123456789abcdef";
    return {d[(c >> 4) & 15], d[c & 15]};
  }

  unsigned char byte() {
    if (pos_ >= in_.size()) fail("pickle ends early (truncated file?)");
    return static_cast<unsigned char>(in_[pos_++]);
  }
  std::string_view take(std::uint64_t n) {
    if (n > in_.size() - pos_) fail("pickle ends early (truncated file?)");
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::uint64_t le(int n) {
    const std::string_view s = take(n);
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[i]);
    return v;
  }
  std::string line() {
    const std::size_t end = in_.find('\n', pos_);
    if (end == std::string_view::npos || end - pos_ > 256) fail("GLOBAL without a name line");
    std::string s(in_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }

  PickleValue* make(K k) {
    if (nodes_.size() >= kMaxValues) fail("more than " + std::to_string(kMaxValues) + " values (oversized)");
    charge(sizeof(PickleValue) + 16);
    nodes_.emplace_back();
    nodes_.back().kind = k;
    return &nodes_.back();
  }
  PickleValue* boolean(bool b) {
    PickleValue* v = make(K::Bool);
    v->boolean = b;
    return v;
  }
  PickleValue* integer(std::int64_t i) {
    PickleValue* v = make(K::Int);
    v->integer = i;
    return v;
  }
  PickleValue* long1() {
    const std::uint64_t n = le(1);
    if (n > 8) fail("an integer wider than 64 bits");
    const std::string_view s = take(n);
    std::uint64_t u = 0;
    for (int i = static_cast<int>(n) - 1; i >= 0; --i) u = u << 8 | static_cast<unsigned char>(s[i]);
    if (n > 0 && n < 8 && (static_cast<unsigned char>(s[n - 1]) & 0x80)) u |= ~std::uint64_t{0} << (8 * n);
    return integer(static_cast<std::int64_t>(u));
  }
  PickleValue* binfloat() {
    std::uint64_t u = 0;
    for (char ch : take(8)) u = u << 8 | static_cast<unsigned char>(ch);  // big-endian
    PickleValue* v = make(K::Float);
    std::memcpy(&v->real, &u, 8);
    return v;
  }
  PickleValue* text(K k, std::uint64_t n) {
    const std::string_view s = take(n);
    charge(n);
    PickleValue* v = make(k);
    v->text.assign(s);
    return v;
  }
  PickleValue* global(const std::string& g) {
    if (!allowed_global(g))
      fail("refuses global " + g + " (a checkpoint needs only state-dict types; this file may be malicious)");
    PickleValue* v = make(K::Global);
    v->text = g;
    return v;
  }

  void charge(std::uint64_t bytes) {
    spent_ += bytes;
    if (spent_ > kMaxMemoryBytes)
      fail("its values need more than " + std::to_string(kMaxMemoryBytes >> 20) + " MiB (oversized)");
  }
  // A vector's growth past its largest size so far (it may double its capacity).
  void charge_growth(std::size_t size, std::size_t* high) {
    if (size > *high) charge(2 * sizeof(void*) * (size - *high)), *high = size;
  }

  void push(PickleValue* v) {
    charge_growth(stack_.size() + 1, &stack_high_);
    stack_.push_back(v);
  }
  PickleValue* pop() {
    if (stack_.size() <= base()) fail("pickle pops an empty stack");
    PickleValue* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  PickleValue* top() {
    if (stack_.size() <= base()) fail("pickle reads an empty stack");
    return stack_.back();
  }
  std::size_t base() const { return marks_.empty() ? 0 : marks_.back(); }
  void mark() {
    if (marks_.size() >= kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " (oversized)");
    charge_growth(marks_.size() + 1, &marks_high_);
    marks_.push_back(stack_.size());
  }
  std::vector<PickleValue*> pop_mark() {
    if (marks_.empty()) fail("pickle closes a MARK it never opened");
    charge(sizeof(void*) * (stack_.size() - marks_.back()));  // the copy, until its container takes it
    std::vector<PickleValue*> items(stack_.begin() + marks_.back(), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  // References held by containers: values can be referenced many times over (BINGET), so they
  // are counted apart from the values.
  void count_items(std::size_t n) {
    charge(2 * sizeof(void*) * n);  // a container's vector may double
    items_ += n;
    if (items_ > 4 * kMaxValues) fail("more than " + std::to_string(4 * kMaxValues) + " references (oversized)");
  }
  PickleValue* collect(K k, std::vector<PickleValue*> items) {
    count_items(items.size());
    PickleValue* v = make(k);
    v->items = std::move(items);
    return v;
  }
  void tuple_of(int n) {
    std::vector<PickleValue*> items(n);
    for (int i = n - 1; i >= 0; --i) items[i] = pop();
    push(collect(K::Tuple, std::move(items)));
  }
  void append(std::vector<PickleValue*> items) {
    PickleValue* list = top();
    if (!list->is(K::List)) fail("APPEND to a " + std::string(kind_name(list->kind)));
    list->items.insert(list->items.end(), items.begin(), items.end());
    count_items(items.size());
  }
  void set_items(std::vector<PickleValue*> kv) {
    PickleValue* dict = top();
    if (!dict->is(K::Dict)) fail("SETITEM on a " + std::string(kind_name(dict->kind)));
    if (kv.size() % 2) fail("SETITEMS with an odd number of values");
    dict->items.insert(dict->items.end(), kv.begin(), kv.end());  // get() reads the last of a key
    count_items(kv.size());
  }
  void memo(std::uint64_t index) {
    if (index >= kMaxMemo) fail("memo index " + std::to_string(index) + " out of range (oversized)");
    if (!memo_.count(index)) charge(64);  // a map node
    memo_[index] = top();
  }
  PickleValue* recall(std::uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo " + std::to_string(index) + " read before it was written");
    return it->second;
  }
  PickleValue* stop() {
    if (!marks_.empty()) fail("pickle stops inside a MARK");
    return pop();
  }

  static bool is_int_tuple(const PickleValue* v) {
    if (!v->is(K::Tuple) || v->items.size() > static_cast<std::size_t>(kMaxDims)) return false;
    for (const PickleValue* x : v->items)
      if (!x->is(K::Int) || x->integer < 0 || x->integer > (std::int64_t{1} << 40)) return false;
    return true;
  }

  // ('storage', <Storage class>, key, location, numel): torch.save's persistent id of a storage.
  void persistent() {
    PickleValue* pid = pop();
    const auto& it = pid->items;
    if (!pid->is(K::Tuple) || it.size() != 5 || !it[0]->is(K::String) || it[0]->text != "storage")
      fail("a persistent id that is not a torch storage");
    if (!it[1]->is(K::Global) || !it[2]->is(K::String) || !it[3]->is(K::String) || !it[4]->is(K::Int) ||
        it[4]->integer < 0)
      fail("a malformed storage id");
    if (it[2]->text.size() > kMaxNameBytes || it[3]->text.size() > kMaxNameBytes)
      fail("a storage key or location longer than " + std::to_string(kMaxNameBytes) + " bytes");
    // A key names a zip record, which LibTorch looks up as a C string: "0\0a" would be record 0.
    for (const unsigned char c : it[2]->text)
      if (c < 0x20) fail("a storage key with a control byte");
    PickleValue* s = make(K::Storage);
    charge(it[2]->text.size() + it[3]->text.size());
    if (!storage_type_from_class(it[1]->text, &s->storage_type)) fail("a storage of type " + it[1]->text);
    s->text = it[2]->text;
    s->location = it[3]->text;
    if (it[4]->integer > (std::int64_t{1} << 40)) fail("a storage of more than 2^40 elements (oversized)");
    s->numel = it[4]->integer;
    push(s);
  }

  void reduce() {
    PickleValue* args = pop();
    PickleValue* f = pop();
    if (!f->is(K::Global) || !args->is(K::Tuple)) fail("REDUCE of something not callable");
    const auto& a = args->items;
    const std::string& g = f->text;
    if (g == "collections.OrderedDict") {
      if (!a.empty()) fail("OrderedDict with arguments");
      push(make(K::Dict));
    } else if (g == "torch._utils._rebuild_tensor_v2") {
      push(rebuild_tensor(a));
    } else if (g == "torch._utils._rebuild_parameter" || g == "torch._utils._rebuild_parameter_with_state") {
      if (a.empty() || !a[0]->is(K::Tensor)) fail(g + " of a non-tensor");
      push(a[0]);
    } else if (g == "_codecs.encode") {
      if (a.size() != 2 || !a[0]->is(K::String)) fail("_codecs.encode with unexpected arguments");
      PickleValue* b = text(K::Bytes, 0);
      charge(a[0]->text.size());
      for (std::size_t i = 0; i < a[0]->text.size(); ++i) {  // latin1: code points < 256 from UTF-8
        const unsigned char ch = static_cast<unsigned char>(a[0]->text[i]);
        if (ch < 0x80) {
          b->text.push_back(static_cast<char>(ch));
        } else if ((ch == 0xc2 || ch == 0xc3) && i + 1 < a[0]->text.size()) {
          b->text.push_back(static_cast<char>(((ch & 0x03) << 6) | (a[0]->text[++i] & 0x3f)));
        } else {
          fail("_codecs.encode of text outside latin1");
        }
      }
      push(b);
    } else {
      fail("REDUCE of " + g);  // a storage class called directly
    }
  }

  // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  PickleValue* rebuild_tensor(const std::vector<PickleValue*>& a) {
    if (a.size() < 6 || a.size() > 7 || !a[0]->is(K::Storage) || !a[1]->is(K::Int) || !is_int_tuple(a[2]) ||
        !is_int_tuple(a[3]) || a[2]->items.size() != a[3]->items.size() || a[1]->integer < 0)
      fail("_rebuild_tensor_v2 with unexpected arguments");
    PickleValue* t = make(K::Tensor);
    charge(2 * sizeof(std::int64_t) * a[2]->items.size());
    t->items = {a[0]};
    t->offset = a[1]->integer;
    // Every element the view addresses must lie in the storage: offset + sum (size-1)*stride.
    __int128 last = t->offset;  // sizes and strides are < 2^40: no overflow in 128 bits
    bool empty = false;
    for (std::size_t d = 0; d < a[2]->items.size(); ++d) {
      const std::int64_t n = a[2]->items[d]->integer, s = a[3]->items[d]->integer;
      t->size.push_back(n);
      t->stride.push_back(s);
      if (n == 0) empty = true;
      if (n > 0) last += static_cast<__int128>(n - 1) * s;
    }
    if (!empty && last >= a[0]->numel)
      fail("a tensor reaching past its storage (" + std::to_string(a[0]->numel) + " elements)");
    if (t->tensor_numel() > (std::int64_t{1} << 34)) fail("a tensor of more than 2^34 elements (oversized)");
    return t;
  }

  void build() {
    PickleValue* state = pop();
    PickleValue* obj = top();
    // A state_dict's OrderedDict carries {"_metadata": ...} as its __dict__ (module versions):
    // attributes, not entries, which a checkpoint reader does not need. A Parameter's empty state.
    if (obj->is(K::Dict) && (state->is(K::Dict) || state->is(K::None))) return;
    if (obj->is(K::Tensor) && (state->is(K::None) || (state->is(K::Dict) && state->items.empty()))) return;
    fail("BUILD of a " + std::string(kind_name(obj->kind)) + " with a " + kind_name(state->kind));
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::deque<PickleValue>& nodes_;
  std::vector<PickleValue*> stack_;
  std::vector<std::size_t> marks_;
  std::map<std::uint64_t, PickleValue*> memo_;
  std::size_t items_ = 0;
  std::uint64_t spent_ = 0;
  std::size_t stack_high_ = 0, marks_high_ = 0;
};

}  // namespace

Pickle parse_pickle(std::string_view bytes) {
  Pickle p;
  Reader r(bytes, p.nodes_);
  p.root_ = r.run();
  return p;
}

}  // namespace grok
