// FloatArray: a std::vector<float> whose resize leaves new elements uninitialised.
//
// Why: the analysis's all-pairs outputs (direct logits, neuron activations, attention: ~32 MB on
// the mainline; AllPairForward, Snapshot) are written whole by the forward pass right after they
// are sized. std::vector<float> zero-fills on resize, which cost the scrub ~4 ms of memset on one
// thread before the pass even began. Reading an element before it is written is as wrong as with
// new float[n].
//
//   FloatArray acts;
//   acts.resize(pairs * d_mlp);               // no fill
//   forward_into(acts.data());                // every element written
//   FloatArray zeros(n, 0.0f);                // an explicit value still fills
//
// Threading: as std::vector.
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace grok {

template <class T, class Base = std::allocator<T>>
struct DefaultInitAllocator : Base {
  using Traits = std::allocator_traits<Base>;
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U, typename Traits::template rebind_alloc<U>>;
  };
  using Base::Base;
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;  // default-initialised: no value for a float
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    Traits::construct(static_cast<Base&>(*this), p, std::forward<Args>(args)...);
  }
};

using FloatArray = std::vector<float, DefaultInitAllocator<float>>;

}  // namespace grok
