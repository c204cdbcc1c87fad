"""Pure statistics used by the gap metrics (no pandas-specific logic, no store): see docs/metrics.md.

>>> low, high = wilson_interval(3, 10)
>>> round(float(low), 4), round(float(high), 4)
(0.1078, 0.6032)
>>> gini([0, 0, 1, 3])
0.625
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

Z95 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval


def wilson_interval(k: Any, n: Any, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in n trials (arrays or scalars); NaN where n == 0.

    centre = (p + z²/2n) / (1 + z²/n);  half = z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²)
    """
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        z2 = z * z
        denom = 1.0 + z2 / n_arr
        centre = (p + z2 / (2.0 * n_arr)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n_arr + z2 / (4.0 * n_arr * n_arr))
        low = np.where(n_arr > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(n_arr > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def _clean(metric: Sequence[float] | np.ndarray | pd.Series, baseline: Any) -> tuple[np.ndarray, np.ndarray]:
    """Units with a usable weight: baseline known and > 0 (metric NaN counts as 0)."""
    y = np.nan_to_num(np.asarray(metric, dtype=float), nan=0.0)
    w = np.ones_like(y) if baseline is None else np.asarray(baseline, dtype=float)
    if w.shape != y.shape:
        raise ValueError(f"metric and baseline differ in length: {y.shape} vs {w.shape}")
    keep = np.isfinite(w) & (w > 0)
    return y[keep], w[keep]


def lorenz(metric: Sequence[float] | np.ndarray | pd.Series, baseline: Any = None) -> pd.DataFrame:
    """Lorenz (concentration) curve: units sorted by metric/baseline, cumulative shares from (0, 0) to (1, 1).

    Columns: ``cum_baseline_share`` (x) and ``cum_metric_share`` (y). Without a baseline each unit weighs 1.
    """
    y, w = _clean(metric, baseline)
    if len(y) == 0 or y.sum() <= 0:
        return pd.DataFrame({"cum_baseline_share": [0.0, 1.0], "cum_metric_share": [0.0, float("nan")]})
    order = np.argsort(y / w, kind="stable")
    x_cum = np.concatenate([[0.0], np.cumsum(w[order]) / w.sum()])
    y_cum = np.concatenate([[0.0], np.cumsum(y[order]) / y.sum()])
    return pd.DataFrame({"cum_baseline_share": x_cum, "cum_metric_share": y_cum})


def gini(metric: Sequence[float] | np.ndarray | pd.Series, baseline: Any = None) -> float:
    """Gini coefficient of metric/baseline across units, each unit weighted by its baseline.

    G = 1 - sum_k (X_k - X_{k-1}) (Y_k + Y_{k-1}) over the Lorenz curve (the trapezoid rule, exact for
    discrete units). Without a baseline: the ordinary Gini of ``metric`` (population formula, no n/(n-1)).
    0 = every unit has the same rate; towards 1 = all of the metric in units with a small share of the baseline.
    NaN when the metric sums to 0.
    """
    curve = lorenz(metric, baseline)
    x = curve["cum_baseline_share"].to_numpy()
    yv = curve["cum_metric_share"].to_numpy()
    if np.isnan(yv).any():
        return float("nan")
    return float(1.0 - np.sum((x[1:] - x[:-1]) * (yv[1:] + yv[:-1])))


def _theil_terms(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    s = y / y.sum()
    b = w / w.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, s * np.log(s / b), 0.0)


def theil(metric: Sequence[float] | np.ndarray | pd.Series, baseline: Any = None) -> float:
    """Theil T index of the metric against the baseline: T = sum_i s_i ln(s_i / b_i) (natural log).

    s_i = unit i's share of the metric, b_i its share of the baseline (1/n each without a baseline);
    0 = metric distributed exactly like the baseline. Terms with s_i = 0 are 0 (the limit).
    """
    y, w = _clean(metric, baseline)
    if len(y) == 0 or y.sum() <= 0:
        return float("nan")
    return float(_theil_terms(y, w).sum())


def theil_decomposition(
    metric: Sequence[float] | np.ndarray | pd.Series, baseline: Any, groups: Sequence[str] | pd.Series
) -> pd.DataFrame:
    """Theil T split into between-group and within-group parts, one row per group.

    Columns: group, metric_share (S_g), baseline_share (B_g), between (S_g ln(S_g/B_g)), theil_within_group
    (T_g, Theil of the units of g against their own baseline shares), within (S_g T_g). Summed over groups,
    between + within = theil(metric, baseline) exactly.
    """
    y_all = np.nan_to_num(np.asarray(metric, dtype=float), nan=0.0)
    w_all = np.ones_like(y_all) if baseline is None else np.asarray(baseline, dtype=float)
    g_all = np.asarray(groups, dtype=object)
    keep = np.isfinite(w_all) & (w_all > 0)
    y, w, g = y_all[keep], w_all[keep], g_all[keep]
    total_y, total_w = y.sum(), w.sum()
    rows = []
    for name in pd.unique(g):
        m = g == name
        yg, wg = y[m], w[m]
        sg = yg.sum() / total_y if total_y > 0 else float("nan")
        bg = wg.sum() / total_w
        between = sg * math.log(sg / bg) if sg > 0 else 0.0
        tg = float(_theil_terms(yg, wg).sum()) if yg.sum() > 0 else 0.0
        rows.append(
            {
                "group": name,
                "metric_share": sg,
                "baseline_share": bg,
                "between": between,
                "theil_within_group": tg,
                "within": sg * tg if sg > 0 else 0.0,
            }
        )
    return pd.DataFrame(
        rows, columns=["group", "metric_share", "baseline_share", "between", "theil_within_group", "within"]
    )
