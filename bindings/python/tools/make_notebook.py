"""Writes examples/health_walkthrough.ipynb from examples/health_walkthrough.py ("# %%" cells; "# %% [markdown]" cells become markdown). tests/python/test_examples.py checks they agree.

Usage: python bindings/python/tools/make_notebook.py examples/health_walkthrough.py examples/health_walkthrough.ipynb
"""
import json, re, sys
script, notebook = sys.argv[1], sys.argv[2]
src = open(script).read()
chunks = re.split(r'^# %%(.*)$', src, flags=re.M)
cells = []
for marker, body in zip(chunks[1::2], chunks[2::2]):
    body = body.strip('\n')
    if '[markdown]' in marker:
        text = '\n'.join(l[2:] if l.startswith('# ') else l.lstrip('#') for l in body.splitlines())
        cells.append({"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)})
    else:
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                      "source": body.splitlines(keepends=True)})
for k, c in enumerate(cells):
    c["id"] = f"cell-{k:02d}"
nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
      "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
with open(notebook, 'w') as f:
    json.dump(nb, f, indent=1, ensure_ascii=False)
    f.write('\n')
