"""The page in a real headless browser (Debian's chromium driven by playwright): it loads
with no console errors, steps through the forward and backward passes, and the leaf
gradients it shows at the end equal the tensors' .grad."""
import json

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

import ember
import ember.viz as viz

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


def _open(browser, path):
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, errors


def _shown_grads(page):
    rows = page.eval_on_selector_all(
        "#leaf-grads tr", "rs => rs.map(r => [r.dataset.leaf, "
        "r.querySelector('.value').dataset.values])")
    return {k: json.loads(v) for k, v in rows}


def test_page_steps_to_the_leaf_gradients(browser, tmp_path):
    x = ember.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w = ember.tensor([0.5, 0.25, -1.0], requires_grad=True)
    b = ember.tensor(0.1, requires_grad=True)
    loss = ember.relu(x * w + b).sum()
    path = viz.page(loss, str(tmp_path / "graph.html"))
    html = open(path).read()
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html

    page, errors = _open(browser, tmp_path / "graph.html")
    assert page.inner_text("#status").startswith("Ready: 4 forward steps, 7 backward steps")
    page.click("#next")
    assert page.inner_text("#status") == "Forward 1/4: MulBackward0"
    assert page.eval_on_selector_all(".node.current", "e => e.map(n => n.dataset.name)") \
        == ["MulBackward0"]
    for _ in range(4):
        page.click("#next")
    assert page.inner_text("#status") == "Backward 1/7: SumBackward0"
    assert "grad 1" in page.eval_on_selector_all(".edge text.grad",
                                                 "ts => ts.map(t => t.textContent)")
    assert all(v is None for v in _shown_grads(page).values())
    steps = 1
    while "(done)" not in page.inner_text("#status"):
        page.click("#next")
        steps += 1
    assert steps == 7
    shown = _shown_grads(page)
    assert set(shown) == {"x", "w", "b"}
    for name, t in (("x", x), ("w", w), ("b", b)):
        np.testing.assert_allclose(np.array(shown[name], dtype=np.float32), t.grad.numpy())
    # every edge now carries its gradient; stepping back hides the last one again
    texts = page.eval_on_selector_all(".edge text.grad", "ts => ts.map(t => t.textContent)")
    assert all(t.startswith("grad ") for t in texts)
    page.click("#prev")
    assert page.inner_text("#status") == "Backward 6/7: x (AccumulateGrad)"
    assert _shown_grads(page)["w"] is None and _shown_grads(page)["x"] is not None
    assert errors == []
    page.close()


def test_page_of_a_model_opens_its_blocks(browser, tmp_path):
    ember.manual_seed(0)
    m = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.ReLU(), ember.nn.Linear(4, 4),
                            ember.nn.ReLU(), ember.nn.Linear(4, 1))
    loss = ember.nn.MSELoss()(m(ember.randn(5, 3)), ember.randn(5, 1))
    params = dict(m.named_parameters())
    viz.page(loss, str(tmp_path / "m.html"), params=params)
    page, errors = _open(browser, tmp_path / "m.html")
    assert page.is_visible("#small-view") and not page.is_visible("#full-view")
    page.click("#small-view .node.block >> nth=0")       # a box opens into its nodes
    assert page.is_visible("#full-view") and not page.is_visible("#small-view")
    page.click("#end")
    shown = _shown_grads(page)
    for k, p in params.items():
        np.testing.assert_allclose(np.array(shown[k], dtype=np.float32), p.grad.numpy())
    assert errors == []
    page.close()
