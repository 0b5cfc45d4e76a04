#include "core/model/internal/one_layer_operands.h"

#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <stdexcept>

#include "core/model/internal/gemm_jobs.h"
#include "core/model/internal/table_mix.h"

namespace grok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The sizes, read off the weights.
struct Dims {
  std::int64_t D, V, H, Dh, HD, M, K, R;  // K = M + V columns of the tables; R = 2V + 1 residual rows
  explicit Dims(const at::Tensor& W_E, const at::Tensor& W_K, const at::Tensor& W_in)
      : D(W_E.size(0)),
        V(W_E.size(1)),
        H(W_K.size(0)),
        Dh(W_K.size(1)),
        HD(H * Dh),
        M(W_in.size(0)),
        K(M + V),
        R(2 * V + 1) {}
};

// Inputs in this order; the Function's outputs: scores a, b, '=', tables a, b, base, W2.
enum Input { kW_E, kW_pos, kW_K, kW_Q, kW_V, kW_O, kW_in, kb_in, kW_out, kb_out, kW_U, kInputs };

void run(const std::vector<GemmJob>& jobs) {
  if (!run_gemm_jobs(jobs)) throw std::logic_error("one_layer_operands: no BLAS in the process");
}
template <typename T>
GemmJob job(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, const T* A, std::int64_t lda, const T* B,
            std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
  return {2.0 * m * n * k, [=] { return row_major_gemm<T>(ta, tb, m, n, k, A, lda, B, ldb, beta, C, ldc); }};
}
// One small product now, on this thread.
template <typename T>
void gemm(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, const T* A, std::int64_t lda, const T* B,
          std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
  run({job<T>(ta, tb, m, n, k, A, lda, B, ldb, beta, C, ldc)});
}

template <typename T>
const T* ptr(const at::Tensor& t) {
  return t.data_ptr<T>();
}

struct OneLayer : torch::autograd::Function<OneLayer> {
  static variable_list forward(AutogradContext* ctx, at::TensorList in, double alpha_sum) {
    std::vector<at::Tensor> w;
    for (const at::Tensor& t : in) w.push_back(t.contiguous());
    const Dims d(w[kW_E], w[kW_K], w[kW_in]);
    const at::TensorOptions o = w[kW_E].options();
    at::Tensor X = at::empty({d.R, d.D}, o), Wc = at::empty({d.K, d.D}, o), v = at::empty({d.R, d.HD}, o);
    at::Tensor A = at::empty({d.K, d.HD}, o), W2 = at::empty({d.M, d.V}, o), q = at::empty({d.HD}, o);
    at::Tensor u = at::empty({d.H, d.D}, o), s = at::empty({d.R, d.H}, o), base = at::empty({1, d.K}, o);
    at::Tensor TsA = at::empty({d.K}, o);
    std::vector<at::Tensor> vals = {at::empty({d.V, d.H, d.Dh}, o), at::empty({d.V, d.H, d.Dh}, o)};
    std::vector<at::Tensor> tables = {at::empty({d.H, d.V, d.K}, o), at::empty({d.H, d.V, d.K}, o)};
    AT_DISPATCH_FLOATING_TYPES(X.scalar_type(), "one_layer_operands", [&] {
      using T = scalar_t;
      const T *E = ptr<T>(w[kW_E]), *pos = ptr<T>(w[kW_pos]), *WU = ptr<T>(w[kW_U]);
      T* x = X.data_ptr<T>();
      for (std::int64_t r = 0; r < d.V; r++)
        for (std::int64_t c = 0; c < d.D; c++) {
          x[r * d.D + c] = E[c * d.V + r] + pos[c];
          x[(d.V + r) * d.D + c] = E[c * d.V + r] + pos[d.D + c];
        }
      const std::int64_t eq = d.V - 1;  // the '=' token
      T* x2 = x + 2 * d.V * d.D;
      for (std::int64_t c = 0; c < d.D; c++) x2[c] = E[c * d.V + eq] + pos[2 * d.D + c];
      T* wc = Wc.data_ptr<T>();  // [W_in; W_U^T]
      std::copy(ptr<T>(w[kW_in]), ptr<T>(w[kW_in]) + d.M * d.D, wc);
      for (std::int64_t c = 0; c < d.V; c++)
        for (std::int64_t k = 0; k < d.D; k++) wc[(d.M + c) * d.D + k] = WU[k * d.V + c];
      // The weight products, side by side: v = X W_V^T, A = W W_O, W2 = W_out^T W_U.
      T *vp = v.data_ptr<T>(), *ap = A.data_ptr<T>();
      run({job<T>('N', 'T', d.R, d.HD, d.D, x, d.D, ptr<T>(w[kW_V]), d.D, T(0), vp, d.HD),
           job<T>('N', 'N', d.K, d.HD, d.D, wc, d.D, ptr<T>(w[kW_O]), d.HD, T(0), ap, d.HD),
           job<T>('T', 'N', d.M, d.V, d.D, ptr<T>(w[kW_out]), d.M, WU, d.V, T(0), W2.data_ptr<T>(), d.V)});
      // The '=' query q = W_Q x_=, u_h = W_K[h]^T q_h, scores = X u^T.
      T *qp = q.data_ptr<T>(), *up = u.data_ptr<T>();
      gemm<T>('N', 'N', d.HD, 1, d.D, ptr<T>(w[kW_Q]), d.D, x2, 1, T(0), qp, 1);
      const T* WK = ptr<T>(w[kW_K]);
      for (std::int64_t h = 0; h < d.H; h++) {
        T* uh = up + h * d.D;
        std::fill(uh, uh + d.D, T(0));
        for (std::int64_t c = 0; c < d.Dh; c++) {
          const T qc = qp[h * d.Dh + c];
          const T* row = WK + (h * d.Dh + c) * d.D;
          for (std::int64_t k = 0; k < d.D; k++) uh[k] += row[k] * qc;
        }
      }
      gemm<T>('N', 'T', d.R, d.H, d.D, x, d.D, up, d.D, T(0), s.data_ptr<T>(), d.H);
      // base = ([b_in; W_U^T b_out] + W x_=) + alpha_sum * A v_=
      const T* v2 = vp + 2 * d.V * d.HD;
      T* b = base.data_ptr<T>();
      const T *b_in = ptr<T>(w[kb_in]), *b_out = ptr<T>(w[kb_out]);
      gemm<T>('N', 'N', d.K, 1, d.D, wc, d.D, x2, 1, T(0), b, 1);
      gemm<T>('N', 'N', d.K, 1, d.HD, ap, d.HD, v2, 1, T(0), TsA.data_ptr<T>(), 1);
      std::vector<T> bias_U(static_cast<std::size_t>(d.V), T(0));  // W_U^T b_out
      for (std::int64_t k = 0; k < d.D; k++)
        for (std::int64_t c = 0; c < d.V; c++) bias_U[c] += WU[k * d.V + c] * b_out[k];
      const T* ts = TsA.data_ptr<T>();
      const T as = static_cast<T>(alpha_sum);
      for (std::int64_t k = 0; k < d.K; k++) b[k] = (b[k] + (k < d.M ? b_in[k] : bias_U[k - d.M])) + as * ts[k];
      // The tables of v_j - v_= (the '=' stream folded into the others).
      for (std::int64_t j = 0; j < 2; j++) {
        T* vj = vals[j].data_ptr<T>();
        for (std::int64_t r = 0; r < d.V; r++)
          for (std::int64_t i = 0; i < d.HD; i++) vj[r * d.HD + i] = vp[(j * d.V + r) * d.HD + i] - v2[i];
      }
    });
    run(table_mix_tables_jobs(vals, A, tables));
    variable_list saved = w;
    for (const at::Tensor& t : {X, Wc, v, A, q, u}) saved.push_back(t);
    saved.insert(saved.end(), vals.begin(), vals.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["alpha_sum"] = alpha_sum;
    return {s.narrow(0, 0, d.V).clone(),
            s.narrow(0, d.V, d.V).clone(),
            s.narrow(0, 2 * d.V, 1).clone(),
            tables[0],
            tables[1],
            base,
            W2};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list sv = ctx->get_saved_variables();
    const std::vector<at::Tensor> w(sv.begin(), sv.begin() + kInputs);
    const at::Tensor &X = sv[kInputs], &Wc = sv[kInputs + 1], &v = sv[kInputs + 2], &A = sv[kInputs + 3];
    const at::Tensor &q = sv[kInputs + 4], &u = sv[kInputs + 5];
    const std::vector<at::Tensor> vals = {sv[kInputs + 6], sv[kInputs + 7]};
    const double alpha_sum = ctx->saved_data["alpha_sum"].toDouble();
    const Dims d(w[kW_E], w[kW_K], w[kW_in]);
    const at::TensorOptions o = X.options();
    auto grad = [&](std::size_t i, at::IntArrayRef shape) {  // an output nobody read has no gradient: zeros
      return grads[i].defined() ? grads[i].contiguous() : at::zeros(shape, o);
    };
    at::Tensor gs = at::cat({grad(0, {d.V, d.H}), grad(1, {d.V, d.H}), grad(2, {1, d.H})}, 0);  // [R, H]
    const std::vector<at::Tensor> gT = {grad(3, {d.H, d.V, d.K}), grad(4, {d.H, d.V, d.K})};
    const at::Tensor gb = grad(5, {1, d.K}), gW2 = grad(6, {d.M, d.V});
    grads.clear();

    std::vector<at::Tensor> dw;
    for (const at::Tensor& t : w) dw.push_back(at::empty_like(t));
    at::Tensor dv = at::empty({d.R, d.H, d.Dh}, o), dA = at::empty({d.K, d.HD}, o), dWc = at::empty({d.K, d.D}, o);
    at::Tensor dX = at::empty({d.R, d.D}, o), dU = at::empty({d.H, d.D}, o), dq = at::empty({d.HD}, o);
    at::Tensor dx2 = at::empty({d.D}, o), dv2 = at::empty({d.HD}, o);
    std::vector<at::Tensor> d_vals = {dv.narrow(0, 0, d.V), dv.narrow(0, d.V, d.V)};
    AT_DISPATCH_FLOATING_TYPES(X.scalar_type(), "one_layer_operands_backward", [&] {
      using T = scalar_t;
      const T *WU = ptr<T>(w[kW_U]), *WO = ptr<T>(w[kW_O]), *WV = ptr<T>(w[kW_V]), *Wout = ptr<T>(w[kW_out]);
      const T *x = ptr<T>(X), *wc = ptr<T>(Wc), *vp = ptr<T>(v), *ap = ptr<T>(A), *qp = ptr<T>(q), *up = ptr<T>(u);
      const T* x2 = x + 2 * d.V * d.D;
      const T* v2 = vp + 2 * d.V * d.HD;
      T *dWU = dw[kW_U].data_ptr<T>(), *dap = dA.data_ptr<T>(), *dvp = dv.data_ptr<T>(), *dwc = dWc.data_ptr<T>();
      // The tables' gradients beside W2's: dW_out = W_U gW2^T, dW_U = W_out gW2 (the rest added below).
      std::vector<GemmJob> jobs = table_mix_tables_backward_jobs(vals, A, gT, d_vals, dA);
      const T* g2 = ptr<T>(gW2);
      jobs.push_back(job<T>('N', 'T', d.D, d.M, d.V, WU, d.V, g2, d.V, T(0), dw[kW_out].data_ptr<T>(), d.M));
      jobs.push_back(job<T>('N', 'N', d.D, d.V, d.M, Wout, d.M, g2, d.V, T(0), dWU, d.V));
      run(jobs);

      // base = ([b_in; W_U^T b_out] + W x_=) + alpha_sum * A v_=
      const T as = static_cast<T>(alpha_sum);
      const T* g = ptr<T>(gb);
      std::vector<T> ga(static_cast<std::size_t>(d.K));  // alpha_sum * g_base
      for (std::int64_t k = 0; k < d.K; k++) ga[k] = as * g[k];
      for (std::int64_t k = 0; k < d.K; k++)  // dA += (alpha_sum g_base) v_=^T
        for (std::int64_t i = 0; i < d.HD; i++) dap[k * d.HD + i] += ga[k] * v2[i];
      gemm<T>('T', 'N', d.HD, 1, d.K, ap, d.HD, ga.data(), 1, T(0), dv2.data_ptr<T>(), 1);  // A^T ga
      for (std::int64_t k = 0; k < d.K; k++)  // dW = g_base x_=^T (dA W_O^T added below)
        for (std::int64_t c = 0; c < d.D; c++) dwc[k * d.D + c] = g[k] * x2[c];
      gemm<T>('T', 'N', d.D, 1, d.K, wc, d.D, g, 1, T(0), dx2.data_ptr<T>(), 1);  // W^T g_base
      std::copy(g, g + d.M, dw[kb_in].data_ptr<T>());
      const T* gU = g + d.M;  // the direct path's bias W_U^T b_out
      gemm<T>('N', 'N', d.D, 1, d.V, WU, d.V, gU, 1, T(0), dw[kb_out].data_ptr<T>(), 1);
      const T* b_out = ptr<T>(w[kb_out]);
      for (std::int64_t k = 0; k < d.D; k++)
        for (std::int64_t c = 0; c < d.V; c++) dWU[k * d.V + c] += b_out[k] * gU[c];

      // v_= is subtracted from every row of both streams' values, and read by the base.
      T* dvq = dvp + 2 * d.V * d.HD;
      const T* dv2p = dv2.data_ptr<T>();
      for (std::int64_t i = 0; i < d.HD; i++) dvq[i] = dv2p[i];
      for (std::int64_t r = 0; r < 2 * d.V; r++)
        for (std::int64_t i = 0; i < d.HD; i++) dvq[i] -= dvp[r * d.HD + i];

      // scores = X u^T: dU = gs^T X (dX = gs u below, with the values' part); u_h = W_K[h]^T q_h.
      const T* gsp = ptr<T>(gs);
      T *dup = dU.data_ptr<T>(), *dqp = dq.data_ptr<T>();
      gemm<T>('T', 'N', d.H, d.D, d.R, gsp, d.H, x, d.D, T(0), dup, d.D);
      const T* WK = ptr<T>(w[kW_K]);
      T* dWK = dw[kW_K].data_ptr<T>();
      for (std::int64_t h = 0; h < d.H; h++)
        for (std::int64_t c = 0; c < d.Dh; c++) {
          const std::int64_t i = h * d.Dh + c;
          T acc = 0;
          for (std::int64_t k = 0; k < d.D; k++) acc += WK[i * d.D + k] * dup[h * d.D + k];
          dqp[i] = acc;
          for (std::int64_t k = 0; k < d.D; k++) dWK[i * d.D + k] = qp[i] * dup[h * d.D + k];
        }
      // q = W_Q x_=: dW_Q = dq x_=^T, and x_= gets W_Q^T dq.
      T* dWQ = dw[kW_Q].data_ptr<T>();
      for (std::int64_t i = 0; i < d.HD; i++)
        for (std::int64_t k = 0; k < d.D; k++) dWQ[i * d.D + k] = dqp[i] * x2[k];
      at::Tensor dx2q = at::empty({d.D}, o);
      gemm<T>('T', 'N', d.D, 1, d.HD, ptr<T>(w[kW_Q]), d.D, dqp, 1, T(0), dx2q.data_ptr<T>(), 1);

      // The products of W W_O and of v = X W_V^T, side by side.
      T* dXp = dX.data_ptr<T>();
      jobs.clear();
      jobs.push_back(job<T>('N', 'T', d.K, d.D, d.HD, dap, d.HD, WO, d.HD, T(1), dwc, d.D));  // dW += dA W_O^T
      jobs.push_back(job<T>('T', 'N', d.D, d.HD, d.K, wc, d.D, dap, d.HD, T(0), dw[kW_O].data_ptr<T>(), d.HD));
      jobs.push_back(job<T>('T', 'N', d.HD, d.D, d.R, dvp, d.HD, x, d.D, T(0), dw[kW_V].data_ptr<T>(), d.D));
      jobs.push_back({2.0 * d.R * d.D * (d.HD + d.H), [=] {  // dX = gs u + dv W_V
                        return row_major_gemm<T>('N', 'N', d.R, d.D, d.H, gsp, d.H, up, d.D, T(0), dXp, d.D) &&
                               row_major_gemm<T>('N', 'N', d.R, d.D, d.HD, dvp, d.HD, WV, d.D, T(1), dXp, d.D);
                      }});
      run(jobs);

      // W = [W_in; W_U^T]; X's rows are W_E's columns plus a row of W_pos.
      std::copy(dwc, dwc + d.M * d.D, dw[kW_in].data_ptr<T>());
      for (std::int64_t c = 0; c < d.V; c++)
        for (std::int64_t k = 0; k < d.D; k++) dWU[k * d.V + c] += dwc[(d.M + c) * d.D + k];
      const T *dx2b = dx2.data_ptr<T>(), *dx2qp = dx2q.data_ptr<T>();
      T* dE = dw[kW_E].data_ptr<T>();
      T* dpos = dw[kW_pos].data_ptr<T>();
      const T* dx2x = dXp + 2 * d.V * d.D;
      for (std::int64_t k = 0; k < d.D; k++) dpos[2 * d.D + k] = (dx2x[k] + dx2b[k]) + dx2qp[k];
      for (std::int64_t k = 0; k < 2 * d.D; k++) dpos[k] = 0;
      for (std::int64_t r = 0; r < d.V; r++)
        for (std::int64_t k = 0; k < d.D; k++) {
          const T a = dXp[r * d.D + k], bb = dXp[(d.V + r) * d.D + k];
          dpos[k] += a;
          dpos[d.D + k] += bb;
          dE[k * d.V + r] = a + bb;
        }
      for (std::int64_t k = 0; k < d.D; k++) dE[k * d.V + d.V - 1] += dpos[2 * d.D + k];
    });
    variable_list out(dw.begin(), dw.end());
    out.emplace_back();  // alpha_sum
    return out;
  }
};

}  // namespace

bool one_layer_operands_available() {
  static const bool yes = [] {
    float a = 0, b = 0, c = 0;
    return blas_gemm('N', 'N', 1, 1, 1, &a, 1, &b, 1, 0.f, &c, 1);
  }();
  return yes;
}

OneLayerOperands one_layer_operands(const TransformerWeights& w, double alpha_sum) {
  if (w.layers.size() != 1) throw std::logic_error("one_layer_operands: the model has one layer");
  const LayerWeights& L = w.layers[0];
  const std::vector<at::Tensor> in = {w.W_E,  w.W_pos, L.W_K,   L.W_Q,   L.W_V, L.W_O,
                                      L.W_in, L.b_in,  L.W_out, L.b_out, w.W_U};
  const variable_list out = OneLayer::apply(at::TensorList(in), alpha_sum);
  return {{out[0], out[1], out[2]}, {out[3], out[4]}, out[5], out[6]};
}

}  // namespace grok
