"""MinTrace kernels: error covariance estimates and the sparse, low-rank-aware MinT solver.

The reconciled bottom forecasts are ``b = G yhat`` with ``G = (S' W^-1 S)^-1 S' W^-1``. We never
form an ``n x n`` matrix: with ``C = [I, -A]`` (``A`` the aggregated rows of ``S``, so that
``C y = 0`` exactly for coherent ``y``) the same projection is

    ytilde = yhat - W C' (C W C')^-1 C yhat,

and ``W = D + U U'`` is a diagonal plus a rank-``r`` term (``r`` = number of residual dates for
``mint_shrink``, 0 otherwise). ``C D C' = D_agg + A D_bottom A'`` is sparse (two aggregated
nodes interact only when they share a bottom series) and gets a sparse LU factorisation with a
minimum-degree ordering: the fine crossed levels are eliminated first and the fill stays among the
few coarse nodes. The rank-``r`` term is added by the Woodbury identity, with an ``r x r`` dense
system. When there are few aggregated nodes (at most 500, or no more than ``r``) ``C W C'`` is
itself the smaller dense system and is factorised directly. Every product with ``S`` is sparse.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.linalg import splu

from .._exceptions import InvalidParameterError
from ._hierarchy import Hierarchy

__all__ = [
    "REL_FLOOR",
    "Covariance",
    "MinTSolver",
    "identity_weights",
    "nonnegative_bottom",
    "shrunk_weights",
    "structural_weights",
    "variance_weights",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Variances are floored at this fraction of the mean variance of the series with data, so a
#: series with zero residual variance (e.g. all zeros, perfectly fitted) is weighted very heavily
#: but finitely, and ``W`` stays positive definite.
REL_FLOOR = 1e-8
# Schafer-Strimmer regulariser of the standard deviations and of the denominator, as in
# hierarchicalforecast (it keeps zero-variance series from dividing by zero).
_SS_EPS = 2e-8
# Up to this many aggregated nodes, C W C' is factorised as a dense matrix.
_DENSE_AGG = 500
# Columns reconciled per block: bounds the working memory at a few times 8 * 2**24 bytes.
_BLOCK_CELLS = 2**24


@attrs.frozen(kw_only=True, eq=False)
class Covariance:
    """An error covariance ``W = diag(d) + u u'`` of all nodes, kept in factored form."""

    d: FloatArray
    u: FloatArray | None = None
    shrinkage: float | None = None


def identity_weights(hierarchy: Hierarchy) -> Covariance:
    """``W = I`` (``ols``)."""
    return Covariance(d=np.ones(hierarchy.n_nodes))


def structural_weights(hierarchy: Hierarchy) -> Covariance:
    """``W = diag(S 1)``: each node weighted by the number of bottom series it sums."""
    return Covariance(d=np.diff(hierarchy.S.indptr).astype(np.float64))


def _fill_variances(
    var: FloatArray, has_data: NDArray[np.bool_], hierarchy: Hierarchy
) -> tuple[FloatArray, float]:
    """Impute variances of series without enough residuals and floor the rest.

    A series without data gets the mean variance of the series of its level that have data (of
    all series if none of its level has), so it is neither trusted nor ignored.
    """
    if not has_data.any():
        raise InvalidParameterError(
            "The residuals passed to MinTrace have no series with enough finite values to "
            "estimate a variance; pass in-sample residuals or use method='ols'/'wls_struct'."
        )
    positive = has_data & (var > 0)
    scale = float(var[positive].mean()) if positive.any() else 1.0
    out = var.copy()
    if not has_data.all():
        level = hierarchy.level_of_node
        n_levels = len(hierarchy.levels)
        sums = np.bincount(level, weights=np.where(has_data, var, 0.0), minlength=n_levels)
        counts = np.bincount(level, weights=has_data.astype(np.float64), minlength=n_levels)
        fallback = float(var[has_data].mean())
        level_mean = np.where(counts > 0, sums / np.maximum(counts, 1.0), fallback)
        out = np.where(has_data, var, level_mean[level])
    return np.maximum(out, REL_FLOOR * scale), scale


def _check_residuals(residuals: FloatArray | None, hierarchy: Hierarchy, method: str) -> FloatArray:
    if residuals is None:
        raise InvalidParameterError(
            f"MinTrace(method={method!r}) needs in-sample residuals of every node; got None. "
            "Pass residuals or use method='ols' or 'wls_struct'."
        )
    res = np.asarray(residuals, dtype=np.float64)
    if res.ndim != 2 or res.shape[0] != hierarchy.n_nodes:
        raise InvalidParameterError(
            f"The residuals for MinTrace must be a (n_nodes, n_dates) = ({hierarchy.n_nodes}, T) "
            f"array in node order; got shape {res.shape}."
        )
    if np.isinf(res).any():
        raise InvalidParameterError(
            "The residuals for MinTrace hold infinite values; use NaN for missing residuals."
        )
    return res


def variance_weights(residuals: FloatArray | None, hierarchy: Hierarchy) -> Covariance:
    """``W = diag(mean squared residual)`` per node over its non-missing residuals (``wls_var``)."""
    res = _check_residuals(residuals, hierarchy, "wls_var")
    obs = ~np.isnan(res)
    count = obs.sum(axis=1)
    sq = np.einsum("ij,ij->i", np.where(obs, res, 0.0), np.where(obs, res, 0.0))
    var = sq / np.maximum(count, 1)
    d, _ = _fill_variances(var, count >= 1, hierarchy)
    return Covariance(d=d)


def _schafer_strimmer(x: FloatArray) -> float:
    """Shrinkage intensity towards the diagonal for centred ``x`` (series x dates).

    The definition of hierarchicalforecast's ``mint_shrink``: standardised products
    ``w_ijk = z_ik z_jk`` with ``z = x / (std + eps)`` (population std), ``lambda = sum_{i<j}
    Var(r_ij) / sum_{i<j} r_ij^2`` with ``r_ij = mean_k w_ijk`` and ``Var(r_ij) = sum_k (w_ijk -
    r_ij)^2 / (T (T - 1))``. The sums over pairs come from the ``T x T`` Gram matrix
    ``G = Z' Z`` (``sum_{i,j} (z_i . z_j)^2 = ||G||_F^2``) and per-date sums of ``z^2`` and
    ``z^4``, so no ``n x n`` matrix is formed unless ``n < T``.
    """
    t = x.shape[1]
    std = np.sqrt(np.einsum("ij,ij->i", x, x) / t)
    z = x / (std + _SS_EPS)[:, None]
    z2 = z * z
    diag = z2.sum(axis=1)  # z_i . z_i
    # ||Z'Z||_F = ||ZZ'||_F: take the smaller Gram matrix.
    gram = z.T @ z if z.shape[1] <= z.shape[0] else z @ z.T
    off_sq = float(np.einsum("ij,ij->", gram, gram) - diag @ diag)  # sum_{i != j} (z_i . z_j)^2
    col = z2.sum(axis=0)
    cross4 = float(col @ col - np.einsum("ij,ij->", z2, z2))  # sum_{i != j} sum_k z_ik^2 z_jk^2
    var_sum = 0.5 * (cross4 - off_sq / t) / (t * (t - 1.0))  # over pairs i < j
    sq_sum = 0.5 * off_sq / (t * t)
    return float(np.clip(var_sum / (sq_sum + _SS_EPS), 0.0, 1.0))


def shrunk_weights(residuals: FloatArray | None, hierarchy: Hierarchy) -> Covariance:
    """Schafer-Strimmer shrunk covariance ``W = lambda D + (1 - lambda) Sigma`` (mint_shrink).

    ``Sigma`` is the sample covariance of the centred residuals (divisor ``T - 1``) and ``D``
    its diagonal. Missing residuals (e.g. before a series starts) are handled by a masked
    estimate that stays positive semi-definite and low rank: each series is centred on its own
    mean, its missing entries count as zero and it is rescaled so that its variance uses its own
    number of values; the covariance of two series is then their sum of cross-products over
    common dates divided by ``sqrt((n_i - 1) (n_j - 1))``. Without missing values this is the
    usual estimate.
    """
    res = _check_residuals(residuals, hierarchy, "mint_shrink")
    t = res.shape[1]
    if t < 2:
        raise InvalidParameterError(
            f"MinTrace(method='mint_shrink') needs residuals on at least 2 dates; got {t}."
        )
    obs = ~np.isnan(res)
    count = obs.sum(axis=1)
    filled = np.where(obs, res, 0.0)
    mean = filled.sum(axis=1) / np.maximum(count, 1)
    x = np.where(obs, filled - mean[:, None], 0.0)
    has_data = count >= 2
    rescale = np.where(has_data, np.sqrt((t - 1.0) / np.maximum(count - 1.0, 1.0)), 0.0)
    x *= rescale[:, None]
    sigma_diag = np.einsum("ij,ij->i", x, x) / (t - 1.0)
    lam = _schafer_strimmer(x)
    w_diag, scale = _fill_variances(sigma_diag, has_data, hierarchy)
    # W = diag(w_diag - (1 - lam) sigma_diag) + u u' with u u' = (1 - lam) Sigma.
    d = np.maximum(w_diag - (1.0 - lam) * sigma_diag, REL_FLOOR * scale)
    u = x * np.sqrt((1.0 - lam) / (t - 1.0)) if lam < 1.0 else None
    return Covariance(d=d, u=u, shrinkage=lam)


class _Factor:
    """Sparse LU of the symmetric positive definite ``M``, with one refinement step per solve."""

    def __init__(self, matrix: sp.csc_matrix) -> None:
        self._matrix = matrix
        self._lu = splu(
            matrix,
            permc_spec="MMD_AT_PLUS_A",
            diag_pivot_thresh=0.0,
            options={"SymmetricMode": True},
        )

    def solve(self, rhs: FloatArray) -> FloatArray:
        x: FloatArray = self._lu.solve(rhs)
        x += self._lu.solve(rhs - self._matrix @ x)
        return x


class MinTSolver:
    """The MinT projection for one hierarchy and one ``W``, factorised once, applied to blocks.

    Parameters
    ----------
    hierarchy
        Bottom level last, so ``S = [A; I]``.
    cov
        ``W = diag(d) + u u'``.
    dense
        Factorise ``C W C'`` as a dense matrix (True) or sparse plus Woodbury (False); by
        default dense when there are at most 500 aggregated nodes or no more than the rank of
        ``u u'``, so the dense part is at most ``min(n_aggregated, rank)`` (or 500) wide.
    """

    def __init__(self, hierarchy: Hierarchy, cov: Covariance, *, dense: bool | None = None) -> None:
        self.n_agg = hierarchy.n_aggregated
        self.n_bottom = hierarchy.n_bottom
        self.a: sp.csr_matrix = hierarchy.aggregated_matrix()
        self.at: sp.csr_matrix = self.a.T.tocsr()
        d = cov.d
        self.d_b = d[self.n_agg :]
        self.u_b: FloatArray | None = None
        self._cu = np.zeros((self.n_agg, 0))  # C U
        self._mv: FloatArray | None = None  # (C D C')^-1 C U, for Woodbury
        self._k: Any = None  # Cholesky of I + U'C'(C D C')^-1 C U
        self._dense: Any = None  # Cholesky of C W C' when that is the smaller system
        self._factor: _Factor | None = None
        if self.n_agg == 0:
            return
        m = sp.diags(d[: self.n_agg]) + self.a @ sp.diags(self.d_b) @ self.at
        if cov.u is not None:
            self.u_b = cov.u[self.n_agg :]
            self._cu = cov.u[: self.n_agg] - self.a @ self.u_b
        rank = self._cu.shape[1]
        if dense is None:
            dense = self.n_agg <= max(rank, _DENSE_AGG)
        if dense:
            # Few aggregated nodes (no more than residual dates): C W C' itself is the small
            # dense system, with no Woodbury step.
            self._dense = sla.cho_factor(m.toarray() + self._cu @ self._cu.T)
            return
        self._factor = _Factor(sp.csc_matrix(m))
        if rank:
            self._mv = self._factor.solve(self._cu)
            self._k = sla.cho_factor(np.eye(rank) + self._cu.T @ self._mv)

    def _solve_constraint(self, rhs: FloatArray) -> FloatArray:
        """``(C W C')^-1 rhs``: dense, or Woodbury over the sparse factor of ``C D C'``."""
        if self._dense is not None:
            return np.asarray(sla.cho_solve(self._dense, rhs), dtype=np.float64)
        assert self._factor is not None
        y = self._factor.solve(rhs)
        if self._mv is not None:
            y -= self._mv @ sla.cho_solve(self._k, self._cu.T @ y)
        return y

    def _correct(self, lam: FloatArray) -> FloatArray:
        """``-(W C')_bottom @ lam``, the change of the bottom rows."""
        out: FloatArray = self.d_b[:, None] * (self.at @ lam)
        if self.u_b is not None:
            out -= self.u_b @ (self._cu.T @ lam)
        return out

    def bottom(self, base: FloatArray) -> FloatArray:
        """Reconciled bottom values ``(n_bottom, m)`` for base values ``(n_nodes, m)``."""
        out = np.array(base[self.n_agg :], dtype=np.float64, copy=True)
        if self.n_agg == 0 or base.shape[1] == 0:
            return out
        step = max(1, _BLOCK_CELLS // max(base.shape[0], 1))
        for lo in range(0, base.shape[1], step):
            block = base[:, lo : lo + step]
            incoherence = block[: self.n_agg] - self.a @ block[self.n_agg :]
            out[:, lo : lo + step] += self._correct(self._solve_constraint(incoherence))
        return out

    def covariance_columns(self, cols: IntArray) -> FloatArray:
        """Columns ``cols`` of ``P = (S' W^-1 S)^-1`` = bottom block of ``W - WC'(CWC')^-1 CW``."""
        out = np.zeros((self.n_bottom, cols.size))
        out[cols, np.arange(cols.size)] = self.d_b[cols]
        if self.u_b is not None:
            out += self.u_b @ self.u_b[cols].T
        if self.n_agg == 0:
            return out
        rhs = -(self.at[cols].toarray().T * self.d_b[cols])
        if self.u_b is not None:
            rhs += self._cu @ self.u_b[cols].T
        out += self._correct(self._solve_constraint(rhs))
        return out


class _Columns:
    """Lazily computed, cached columns of the symmetric ``P`` (shared by all forecast columns).

    Stored as rows (``P[j, :]``) so gathering a set of them is contiguous. The store grows by
    doubling up to about ``budget_cells`` values, then starts afresh.
    """

    def __init__(self, solver: MinTSolver, budget_cells: int = 2**25) -> None:
        self._solver = solver
        self._slot = np.full(solver.n_bottom, -1, dtype=np.intp)
        self._store = np.empty((64, solver.n_bottom))
        self._used = 0
        self._cap = max(64, budget_cells // max(solver.n_bottom, 1))

    def rows(self, cols: IntArray) -> FloatArray:
        """``P[cols, :]`` (equal to ``P[:, cols].T``)."""
        new = np.unique(cols[self._slot[cols] < 0])
        if new.size:
            if self._used + new.size > self._cap:
                self._slot[:] = -1
                self._used = 0
                new = np.unique(cols)
            need = self._used + new.size
            if need > self._store.shape[0]:
                grown = np.empty((max(need, 2 * self._store.shape[0]), self._solver.n_bottom))
                grown[: self._used] = self._store[: self._used]
                self._store = grown
            self._store[self._used : need] = self._solver.covariance_columns(new).T
            self._slot[new] = np.arange(self._used, need)
            self._used = need
        return self._store[self._slot[cols]]


def _solve_spd(matrix: FloatArray, rhs: FloatArray) -> FloatArray:
    # Cholesky directly: scipy's solve(assume_a="pos") is several times slower here.
    try:
        return np.asarray(sla.cho_solve(sla.cho_factor(matrix), rhs), dtype=np.float64)
    except (sla.LinAlgError, ValueError):
        return np.asarray(np.linalg.lstsq(matrix, rhs, rcond=None)[0], dtype=np.float64)


def _active_set(
    bt: FloatArray, cols: _Columns, tol: float, max_iter: int = 50
) -> FloatArray | None:
    """Primal-dual active set (semismooth Newton) for ``min (b - bt)' Q (b - bt), b >= 0``.

    With ``P = Q^-1`` and the set ``Z`` of bottom series held at zero, the optimum is ``b = bt +
    P[:, Z] nu`` with ``P[Z, Z] nu = -bt[Z]`` (conditioning on ``b_Z = 0``). ``Z`` is updated
    by the KKT conditions (``nu > 0`` on ``Z``, ``b >= 0`` off it) until they hold; ``None`` if
    it has not settled in ``max_iter`` steps.
    """
    zero = np.flatnonzero(bt < -tol)
    for _ in range(max_iter):
        if zero.size == 0:
            return None
        pz = cols.rows(zero)
        nu = _solve_spd(pz[:, zero], -bt[zero])
        b = bt + nu @ pz
        free = np.ones(bt.size, dtype=bool)
        free[zero] = False
        new = np.union1d(zero[nu > 0], np.flatnonzero(free & (b < -tol)))
        if np.array_equal(new, zero):
            b[zero] = 0.0
            return b
        zero = new
    return None


def _lawson_hanson(bt: FloatArray, cols: _Columns, tol: float) -> FloatArray:
    """Lawson-Hanson active set on the dual ``min 0.5 nu' P nu + bt' nu, nu >= 0``.

    Finite termination (Lawson and Hanson 1974, ch. 23): each outer step strictly lowers the
    dual objective and passive sets never repeat; the loops are also capped. The dual gradient
    ``P nu + bt`` is the primal solution ``b``.
    """
    n = bt.size
    nu = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    excluded = np.zeros(n, dtype=bool)
    b = bt.copy()
    for _ in range(3 * n + 10):
        candidates = np.flatnonzero(~passive & ~excluded & (b < -tol))
        if candidates.size == 0:
            break
        new = int(candidates[np.argmin(b[candidates])])
        passive[new] = True
        for _ in range(n + 1):
            idx = np.flatnonzero(passive)
            s = _solve_spd(cols.rows(idx)[:, idx], -bt[idx])
            if (s > 0).all():
                nu[:] = 0.0
                nu[idx] = s
                break
            neg = s <= 0
            ratios = nu[idx][neg] / (nu[idx][neg] - s[neg])
            k = int(np.argmin(ratios))
            nu[idx] += float(ratios[k]) * (s - nu[idx])
            nu[idx[neg][k]] = 0.0
            passive &= nu > 0
        if not passive[new]:
            # Rounding kept the entering index from staying positive: do not try it again.
            excluded[new] = True
        idx = np.flatnonzero(passive)
        b = bt + nu[idx] @ cols.rows(idx) if idx.size else bt.copy()
    b[passive] = 0.0
    return b


def nonnegative_bottom(solver: MinTSolver, bottom: FloatArray) -> FloatArray:
    """Project reconciled bottom columns onto ``b >= 0`` in the MinT metric (the exact QP).

    Solves ``min (yhat - S b)' W^-1 (yhat - S b)`` subject to ``b >= 0`` per column, which equals
    ``min (b - bt)' Q (b - bt)`` with ``bt`` the unconstrained MinT solution and ``Q = S' W^-1 S``.
    A primal-dual active set on ``P = Q^-1`` usually settles in a few steps; if it does not, the
    Lawson-Hanson dual active set (finite termination) takes over. Cost and memory grow with the
    number of bottom series held at zero (one column of ``P`` each).
    """
    out = bottom.copy()
    scale = np.abs(bottom).max(axis=0) if bottom.size else np.zeros(bottom.shape[1])
    tol = 1e-10 * np.maximum(scale, 1e-300)
    need = np.flatnonzero((bottom < -tol).any(axis=0))
    if need.size == 0:
        return np.maximum(out, 0.0)
    cols = _Columns(solver)
    for j in need:
        bt = bottom[:, j]
        b = _active_set(bt, cols, float(tol[j]))
        if b is None:
            b = _lawson_hanson(bt, cols, float(tol[j]))
        out[:, j] = b
    return np.maximum(out, 0.0)
