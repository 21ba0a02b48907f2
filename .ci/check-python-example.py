"""Checks examples/python/app.py against the generated Python binding, without installing it
(PyPI is out of reach here): it byte-compiles, and every name it takes from
cdk_jfrog_token_rotation (classes, static methods, keyword arguments) exists in the binding."""
import ast
import re
import sys
from pathlib import Path

example_path, binding_path = Path(sys.argv[1]), Path(sys.argv[2])
source = example_path.read_text()
compile(source, str(example_path), "exec")
binding = binding_path.read_text()
tree = ast.parse(source)

imported = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
            and n.module == "cdk_jfrog_token_rotation" for a in n.names}
missing = []
for name in imported:
    if not re.search(rf"^class {name}\b", binding, re.M):
        missing.append(f"class {name}")
for node in ast.walk(tree):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and isinstance(node.func.value, ast.Name) and node.func.value.id in imported:
        if not re.search(rf"def {node.func.attr}\(", binding):
            missing.append(f"{node.func.value.id}.{node.func.attr}()")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported:
        for kw in node.keywords:
            if not re.search(rf"^\s+{kw.arg}: ", binding, re.M):
                missing.append(f"{node.func.id}({kw.arg}=...)")
if missing:
    sys.exit(f"{example_path} uses names the binding does not have: {', '.join(sorted(set(missing)))}")
print(f"{example_path}: compiles; {len(imported)} imported names and their calls exist in the binding")
