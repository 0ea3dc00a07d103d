#!/usr/bin/python3
"""The tree keeps the shape of DESIGN.md section 1 (issue 18).

- A private header is named <module>_impl.h and is included, by its bare
  name, only from its own folder; every other include is a public header
  (axon/...) or config.h.
- No include circles among the project's headers and sources.
- Every module folder (src/<m>, io/<m>, partition) has its own mk fragment
  (mk/<m>.mk, mk/io_<m>.mk, mk/partition.mk) listing each of its .c files,
  and no other fragment lists them.
Fails listing every breach. Reads files only (top_srcdir)."""
import os, re, sys

top = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), ".."))
fails = []
inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

def module_dirs():
    dirs = ["partition"]
    for base in ("src", "io"):
        for d in sorted(os.listdir(os.path.join(top, base))):
            if os.path.isdir(os.path.join(top, base, d)):
                dirs.append(f"{base}/{d}")
    return dirs

def fragment(d):
    if d == "partition": return "mk/partition.mk"
    base, m = d.split("/")
    return f"mk/{m}.mk" if base == "src" else f"mk/io_{m}.mk"

files = {}  # path -> includes (resolved paths)
for d in module_dirs() + ["include/axon"]:
    for fn in sorted(os.listdir(os.path.join(top, d))):
        if not fn.endswith((".c", ".h")): continue
        path = f"{d}/{fn}"
        text = open(os.path.join(top, path), encoding="utf-8").read()
        deps = []
        for inc in inc_re.findall(text):
            if inc == "config.h": continue
            if inc.startswith("axon/"):
                target = "include/" + inc
            elif "/" in inc:
                fails.append(f"{path}: includes \"{inc}\" by a path; a private header is included by its bare name from its own folder")
                continue
            else:
                target = f"{d}/{inc}"
                if not inc.endswith("_impl.h"):
                    fails.append(f"{path}: includes \"{inc}\"; private headers are named <module>_impl.h")
            if not os.path.exists(os.path.join(top, target)):
                fails.append(f"{path}: \"{inc}\" not found as {target}")
                continue
            deps.append(target)
        files[path] = deps
        if d != "include/axon" and fn.endswith(".h") and not fn.endswith("_impl.h"):
            fails.append(f"{path}: a header in a module folder must be its private <module>_impl.h")

# include circles (depth-first search)
state = {}
def visit(p, stack):
    state[p] = 1
    for q in files.get(p, []):
        if state.get(q) == 1:
            fails.append("include circle: " + " -> ".join(stack[stack.index(q):] + [q]))
        elif q not in state:
            visit(q, stack + [q])
    state[p] = 2
for p in files:
    if p not in state: visit(p, [p])

# one fragment per module folder, listing its sources
frag_text = {}
for fn in os.listdir(os.path.join(top, "mk")):
    frag_text[f"mk/{fn}"] = open(os.path.join(top, "mk", fn), encoding="utf-8").read()
for d in module_dirs():
    frag = fragment(d)
    if frag not in frag_text:
        fails.append(f"{d}/: no {frag}")
        continue
    for fn in sorted(os.listdir(os.path.join(top, d))):
        if not fn.endswith(".c"): continue
        src = f"{d}/{fn}"
        if d == "src/cli" and fn == "main.c" and src in frag_text[frag]: continue
        if not re.search(r"_la_SOURCES[^\n]*(\\\n[^\n]*)*" + re.escape(src), frag_text[frag]):
            fails.append(f"{src}: not in {frag}'s library")
        for other, text in frag_text.items():
            if other != frag and re.search(re.escape(src) + r"\b", text):
                fails.append(f"{src}: also listed in {other}")

for f in fails: print("FAIL:", f)
print(f"layout: {len(files)} files in {len(module_dirs())} module folders, {len(fails)} breaches")
sys.exit(1 if fails else 0)
