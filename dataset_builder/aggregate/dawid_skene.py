"""Dawid & Skene (1979) EM for one categorical field: a confusion matrix per annotator.

Why our own ~60 lines and not crowd-kit: crowd-kit 1.4.2 requires transformers, nltk and
scikit-learn (plus torch for its learning extra) — a heavy tree for one EM loop; this module
needs numpy only and is checked against a hand-derived case in the tests.

Model: item i has a true class k with prior p_k; annotator a answers l with probability
pi_a[k, l]. E-step: T_ik ∝ p_k * prod_a prod_l pi_a[k, l] ** n_ail. M-step: p_k = mean_i T_ik,
pi_a[k, l] ∝ smoothing + sum_i T_ik n_ail. Initialisation: T = vote shares (soft majority).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DawidSkeneResult:
    posterior: np.ndarray  # items x classes
    prior: np.ndarray  # classes
    confusion: np.ndarray  # annotators x classes x classes (true class, answer)
    iterations: int
    converged: bool


@dataclass(frozen=True)
class Answers:
    """Long form: annotator ``annotator[e]`` answered class ``answer[e]`` for item ``item[e]``."""

    item: np.ndarray
    annotator: np.ndarray
    answer: np.ndarray
    n_items: int
    n_annotators: int
    n_classes: int


def _group_sum(values: np.ndarray, keys: np.ndarray, n_keys: int) -> np.ndarray:
    """Row sums of ``values`` (entries x K) per key (0..n_keys-1): one bincount per column."""
    columns = np.asfortranarray(values)
    return np.stack([np.bincount(keys, weights=columns[:, k], minlength=n_keys)
                     for k in range(values.shape[1])], axis=1) if values.shape[1] else \
        np.zeros((n_keys, 0))


def _m_step(post: np.ndarray, x: Answers, smoothing: float) -> tuple[np.ndarray, np.ndarray]:
    prior = post.mean(axis=0) if len(post) else np.full(x.n_classes, 1.0 / x.n_classes)
    # confusion[a, k, l] = sum of T_ik over a's answers l: grouped by (a, l), one column per k.
    by_answer = _group_sum(post[x.item], x.annotator * x.n_classes + x.answer,
                           x.n_annotators * x.n_classes)
    confusion = by_answer.reshape(x.n_annotators, x.n_classes, x.n_classes).transpose(0, 2, 1)
    confusion = confusion + smoothing
    totals = confusion.sum(axis=2, keepdims=True)
    confusion = np.divide(confusion, totals, out=np.zeros_like(confusion), where=totals > 0)
    return prior, confusion


def _e_step(prior: np.ndarray, confusion: np.ndarray, x: Answers) -> np.ndarray:
    with np.errstate(divide="ignore"):
        log_conf = np.log(confusion)
        log_prior = np.log(prior)
    # Each answer adds log pi_a[k, l] to every class k of its item.
    evidence = log_conf.transpose(0, 2, 1)[x.annotator, x.answer]  # entries x classes
    with np.errstate(invalid="ignore"):
        log_post = log_prior[None, :] + _group_sum(evidence, x.item, x.n_items)
    log_post = np.nan_to_num(log_post, nan=-np.inf)
    top = log_post.max(axis=1, keepdims=True)
    impossible = ~np.isfinite(top[:, 0])
    top[impossible] = 0.0
    post = np.exp(log_post - top)
    sums = post.sum(axis=1, keepdims=True)
    post = np.divide(post, sums, out=np.zeros_like(post), where=sums > 0)
    # Evidence the model rules out entirely (possible only with smoothing=0): use the prior.
    post[impossible] = prior
    return post


def initial_posterior(x: Answers) -> np.ndarray:
    """Vote shares per item (uniform where an item has no answer)."""
    votes = np.zeros((x.n_items, x.n_classes))
    np.add.at(votes, (x.item, x.answer), 1.0)
    total = votes.sum(axis=1, keepdims=True)
    return np.divide(votes, total, out=np.full_like(votes, 1.0 / x.n_classes), where=total > 0)


def dawid_skene(x: Answers, max_iter: int = 100, tol: float = 1e-6,
                smoothing: float = 0.01) -> DawidSkeneResult:
    """EM from soft-majority initialisation until posteriors move less than ``tol``."""
    posterior = initial_posterior(x)
    prior, confusion = _m_step(posterior, x, smoothing)
    converged = False
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        new = _e_step(prior, confusion, x)
        prior, confusion = _m_step(new, x, smoothing)
        delta = float(np.abs(new - posterior).max()) if new.size else 0.0
        posterior = new
        if delta < tol:
            converged = True
            break
    return DawidSkeneResult(posterior, prior, confusion, iterations, converged)
