import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from bench import metrics


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X[::2], y[::2], X[1::2], y[1::2]


def test_scores_have_the_shared_names(iris):
    X_tr, y_tr, X_te, y_te = iris
    model = KNeighborsClassifier().fit(X_tr, y_tr)
    result, pred = metrics.scores(model, X_tr, y_tr, X_te, y_te)
    assert set(result) == {
        "train_accuracy",
        "test_accuracy",
        "test_balanced_accuracy",
        "test_f1_macro",
        "overfit_gap",
        "predict_time_s",
        "test_log_loss",
    }
    assert result["overfit_gap"] == pytest.approx(result["train_accuracy"] - result["test_accuracy"])
    assert result["test_accuracy"] == pytest.approx(np.mean(pred == y_te))


def test_no_log_loss_without_probabilities(iris):
    X_tr, y_tr, X_te, y_te = iris
    result, _ = metrics.scores(SVC().fit(X_tr, y_tr), X_tr, y_tr, X_te, y_te)
    assert "test_log_loss" not in result


def test_timed_fit_sees_native_allocations():
    def allocate():
        block = np.ones(80 * 2**20 // 8)  # 80 MB, touched
        block.sum()

    seconds, peak_mb = metrics.timed_fit(allocate)
    assert seconds > 0
    assert 60 < peak_mb < 200


def test_timed_fit_counts_its_own_allocations_where_freed_memory_is_reused():
    """Resident memory does not grow when a fit reuses what an earlier one freed: allocated memory does."""
    import time

    def small_blocks(n: int) -> list:
        return [np.ones(512) for _ in range(n)]  # 4 KB each: from the heap, not mapped blocks

    def allocate():
        held = small_blocks(10_000)  # about 40 MB
        time.sleep(0.03)  # past a sampling interval
        del held

    allocate()  # the heap grows once, then keeps the freed memory
    _, peak_mb = metrics.timed_fit(allocate)
    assert 30 < peak_mb < 100
    _, idle_mb = metrics.timed_fit(lambda: time.sleep(0.03))
    assert idle_mb < 1


def test_latency_and_size(iris):
    X_tr, y_tr, X_te, _ = iris
    model = KNeighborsClassifier().fit(X_tr, y_tr)
    assert metrics.predict_latency_us(model, X_te) > 0
    assert metrics.model_size_bytes(model) > X_tr.nbytes  # k-NN stores its training set


def test_latency_is_measured_with_one_thread_per_native_pool(iris):
    """A single request is served by one thread: the pools' wake-up is not the model's latency."""
    from threadpoolctl import threadpool_info

    X_tr, y_tr, X_te, _ = iris
    model = KNeighborsClassifier().fit(X_tr, y_tr)
    seen, predict = [], model.predict
    model.predict = lambda X: seen.append({p["num_threads"] for p in threadpool_info()}) or predict(X)
    metrics.predict_latency_us(model, X_te)
    assert len(seen) == metrics.LATENCY_ROWS and all(threads == {1} for threads in seen)
