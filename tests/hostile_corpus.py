"""A corpus of hostile inputs for Grokking Lab's readers: run files, PyTorch checkpoints, sweep folders.

    python3 tests/hostile_corpus.py SEED.grok SEED.pt OUT_DIR [SWEEP_DIR]

SEED.grok is a small valid run (p = 11, d_model 16, checkpoints at epochs 0, 20 and 40: test::tiny_config(11, 40,
20, 5)), SEED.pt its `grokking-cli export-pt --all --format authors`, SWEEP_DIR a folder of `grokking-cli sweep
init` whose run 0 has SEED.grok's config (optional: without it no sweep cases are written). Writes OUT_DIR/<case>.grok,
OUT_DIR/<case>.pt and OUT_DIR/sweep_<case>/, replacing those of the same names, and prints `<file>\t<what it is>`
for each. Every case is an input a correct reader refuses, in one line, quickly and in bounded memory (a hostile
run file inside a sweep: that run reported failed, never trained). Deterministic: the same seeds give the same bytes.

Run files are changed with sqlite3 on a copy in rollback-journal mode (one self-contained file, no -wal or -shm);
checkpoints by tests/hostile_corpus_pt.py. Standard library only.
"""
import json
import os
import random
import shutil
import sqlite3
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_corpus_pt  # noqa: E402

DEEP = "[" * 100000 + "]" * 100000  # valid JSON nested deeper than any recursive reader's stack
GROK_CASES = []  # (name, what, make(base, path)); base is a clean copy of SEED.grok
TENSORS_SQL = ("CREATE TABLE tensors(epoch INTEGER {nn} REFERENCES checkpoints(epoch) ON DELETE CASCADE, "
               "name TEXT {nn}, dtype TEXT {nn}, shape TEXT {nn}, data BLOB {nn}{pk})")


def grok_case(name, what):
    def register(make):
        GROK_CASES.append((name, what, make))
        return make
    return register


def altered(base, path, sql, *params):
    """Copies base to path and runs sql on it (a script, or one statement with params)."""
    shutil.copyfile(base, path)
    con = sqlite3.connect(path, isolation_level=None)
    if params:
        con.execute(sql, params)
    else:
        con.executescript(sql)
    con.close()


def sql_case(name, what, sql, *params):
    grok_case(name, what)(lambda base, path: altered(base, path, sql, *params))


def tensor_case(name, what, shape, nbytes, dtype="float32", tensor="embed.W_E", epoch=20):
    sql_case(name, what, "UPDATE tensors SET dtype = ?, shape = ?, data = zeroblob(?) WHERE epoch = ? AND name = ?",
             dtype, shape, nbytes, epoch, tensor)


def meta_case(name, what, key, value):
    sql_case(name, what, "UPDATE meta SET value = ? WHERE key = ?", value, key)


def rebuilt_tensors(nn="NOT NULL", pk=", PRIMARY KEY(epoch, name)"):
    """SQL giving `tensors` other constraints but the same columns (the schema check compares columns only)."""
    return ("ALTER TABLE tensors RENAME TO old; " + TENSORS_SQL.format(nn=nn, pk=pk) +
            "; INSERT INTO tensors SELECT * FROM old ORDER BY rowid; DROP TABLE old; ")


def wrapping_shape(elements):
    """Two dimensions < 2^63 whose product wraps around 2^64 to exactly `elements`."""
    a = (1 << 33) + 1
    while True:
        b = elements * pow(a, -1, 1 << 64) % (1 << 64)
        if 1 < b < (1 << 63):
            return f"[{a}, {b}]"
        a += 2


# --- tensor rows: W_E of checkpoint 20 is [16, 12] float32, 768 bytes ---------------------------------------------
tensor_case("shape_mismatch", "W_E [16, 6] with its 384 bytes, where the config says [16, 12]", "[16, 6]", 384)
tensor_case("shape_transposed", "W_E [12, 16]: the right bytes, the wrong orientation", "[12, 16]", 768)
tensor_case("dtype_float64", "W_E float64 with its 1536 bytes: consistent, but not the model's float32",
            "[16, 12]", 1536, "float64")
tensor_case("dtype_size_mismatch", "W_E float64 holding float32's 768 bytes", "[16, 12]", 768, "float64")
tensor_case("dtype_int8", "W_E int8 (a dtype no run file has) holding 768 bytes", "[16, 12]", 768, "int8")
tensor_case("dtype_unknown", "W_E of dtype 'f64'", "[16, 12]", 768, "f64")
tensor_case("dtype_empty", "W_E of dtype ''", "[16, 12]", 768, "")
tensor_case("wrapped_shape", "W_U [2^30, 2^30, 2^30, 16] with empty data: the product wraps to 0",
            "[1073741824, 1073741824, 1073741824, 16]", 0, tensor="unembed.W_U")
tensor_case("wrapped_shape_exact", "W_E of two dims whose product wraps around 2^64 to exactly its 192 elements",
            wrapping_shape(192), 768)
tensor_case("negative_dims", "W_E [-16, -12]: a positive product, its 768 bytes", "[-16, -12]", 768)
tensor_case("zero_dim_huge", "W_E [0, 2^40] with no data: 0 elements, a shape no model has",
            "[0, 1099511627776]", 0)
tensor_case("too_many_dims", "W_E of 10 dimensions [1, ..., 1, 16, 12] (at most 8)", "[1, 1, 1, 1, 1, 1, 1, 1, 16, 12]",
            768)
tensor_case("huge_shape_short_data", "W_E [2^32, 4] (2^34 elements, 64 GiB) with 768 bytes", "[4294967296, 4]", 768)
tensor_case("huge_shape_over_limit", "W_E [2^34 + 1] with 768 bytes", "[17179869185]", 768)
tensor_case("data_short", "W_E [16, 12] with 767 bytes", "[16, 12]", 767)
tensor_case("data_long", "W_E [16, 12] with 769 bytes", "[16, 12]", 769)
tensor_case("data_empty", "W_E [16, 12] with 0 bytes", "[16, 12]", 0)
tensor_case("shape_unparseable", "W_E's shape '[16, 12'", "[16, 12", 768)
tensor_case("shape_float_dims", "W_E's shape [16.5, 12.0] (truncating it gives the right size)", "[16.5, 12.0]", 768)
tensor_case("shape_huge_float", "W_E's shape [1e300, 12]", "[1e300, 12]", 768)
tensor_case("shape_uint64", "W_E's shape [18446744073709551615, 12] (-1 as int64)", "[18446744073709551615, 12]", 768)
tensor_case("shape_object", "W_E's shape {\"rows\": 16, \"cols\": 12}", '{"rows": 16, "cols": 12}', 768)
tensor_case("shape_strings", "W_E's shape [\"16\", \"12\"]", '["16", "12"]', 768)
tensor_case("shape_scalar", "W_E's shape 192 (not a list)", "192", 768)
tensor_case("shape_deep_nesting", "W_E's shape [[[...]]], 100 000 deep (valid JSON)", DEEP, 768)
for col in ("data", "shape", "dtype", "name"):
    sql_case(f"{col}_null", f"W_E's {col} NULL (tensors rebuilt without NOT NULL)",
             rebuilt_tensors(nn="") + f"UPDATE tensors SET {col} = NULL WHERE epoch = 20 AND name = 'embed.W_E';")
sql_case("duplicate_tensor", "two W_E rows in checkpoint 20, the second all zeros (tensors rebuilt without its key)",
         rebuilt_tensors(pk="") + "INSERT INTO tensors SELECT epoch, name, dtype, shape, zeroblob(768) "
         "FROM tensors WHERE epoch = 20 AND name = 'embed.W_E';")
sql_case("missing_tensor", "checkpoint 20 without blocks.0.mlp.b_out",
         "DELETE FROM tensors WHERE epoch = 20 AND name = 'blocks.0.mlp.b_out';")
sql_case("extra_tensor", "checkpoint 20 with a tensor blocks.0.ln1.w [16] the model has not",
         "INSERT INTO tensors VALUES(20, 'blocks.0.ln1.w', 'float32', '[16]', zeroblob(64));")
sql_case("extra_layer", "checkpoint 20 with a second layer's tensors (blocks.1.*) where the config has one",
         "INSERT INTO tensors SELECT epoch, replace(name, 'blocks.0.', 'blocks.1.'), dtype, shape, data "
         "FROM tensors WHERE epoch = 20 AND name LIKE 'blocks.0.%';")
sql_case("checkpoint_without_tensors", "a checkpoint row at epoch 30 with no tensors",
         "INSERT INTO checkpoints VALUES(30, '2026-01-01T00:00:00Z');")
sql_case("orphan_tensors", "checkpoint 20's tensors without its checkpoints row (a broken foreign key)",
         "DELETE FROM checkpoints WHERE epoch = 20;")
sql_case("checkpoint_epoch_wraps", "checkpoint 20 moved to epoch 2^32, which is 0 as a 32-bit int",
         "UPDATE checkpoints SET epoch = 4294967296 WHERE epoch = 20; "
         "UPDATE tensors SET epoch = 4294967296 WHERE epoch = 20;")
sql_case("checkpoint_epoch_negative", "checkpoint 20 moved to epoch -20",
         "UPDATE checkpoints SET epoch = -20 WHERE epoch = 20; UPDATE tensors SET epoch = -20 WHERE epoch = 20;")
sql_case("tensors_epoch_text", "checkpoint 20's tensor rows with epoch 'twenty' (text reads as 0)",
         "UPDATE tensors SET epoch = 'twenty' WHERE epoch = 20;")

# --- resume state (read by resume and fork) -------------------------------------------------------------------------
sql_case("resume_wrapped_shape", "resume_state exp_avg.unembed.W_U of shape [2^30, 2^30, 2^30, 16], empty data",
         "UPDATE resume_state SET shape = '[1073741824, 1073741824, 1073741824, 16]', data = zeroblob(0) "
         "WHERE name = 'exp_avg.unembed.W_U';")
sql_case("resume_mixed_epochs", "resume_state's second moments of epoch 20, its first moments of 40",
         "UPDATE resume_state SET epoch = 20 WHERE name LIKE 'exp_avg_sq.%';")
sql_case("resume_missing_moment", "resume_state without exp_avg_sq.embed.W_E",
         "DELETE FROM resume_state WHERE name = 'exp_avg_sq.embed.W_E';")
meta_case("resume_epoch_text", "meta resume_epoch 'forty'", "resume_epoch", "forty")
sql_case("resume_epoch_not_checkpoint", "resume state of epoch 30, where there is no checkpoint",
         "UPDATE meta SET value = '30' WHERE key = 'resume_epoch'; UPDATE resume_state SET epoch = 30;")
meta_case("resume_steps_negative", "meta optimizer_steps -5", "optimizer_steps", "-5")

# --- schema ---------------------------------------------------------------------------------------------------------
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
sql_case("schema_endless_view_metrics", "metrics an endless recursive view",
         f"DROP TABLE metrics; CREATE VIEW metrics(epoch, train_loss, train_acc, test_loss, test_acc, lr) AS {ENDLESS} "
         "SELECT x, 0, 0, 0, 0, 0 FROM c;")
sql_case("schema_view_tensors", "tensors an endless view of 768-byte W_E rows",
         f"DROP TABLE tensors; CREATE VIEW tensors(epoch, name, dtype, shape, data) AS {ENDLESS} "
         "SELECT 20, 'embed.W_E', 'float32', '[16, 12]', zeroblob(768) FROM c;")
sql_case("schema_trigger", "a trigger deleting every tensor on insert into metrics",
         "CREATE TRIGGER t AFTER INSERT ON metrics BEGIN DELETE FROM tensors; END;")
sql_case("schema_extra_table", "a table of its own", "CREATE TABLE extra(x);")
sql_case("schema_extra_column", "measures with a column of its own", "ALTER TABLE measures ADD COLUMN note TEXT;")
sql_case("schema_missing_table", "no resume_state table", "DROP TABLE resume_state;")
sql_case("schema_own_index", "an index of its own on tensors", "CREATE INDEX by_name ON tensors(name);")
sql_case("schema_virtual_table", "measures an FTS5 virtual table of the same columns (module code, shadow tables)",
         "DROP TABLE measures; CREATE VIRTUAL TABLE measures USING fts5(epoch, key_freqs, name, value);")

# --- format version and application id (the header's PRAGMAs) and meta ----------------------------------------------
for name, value, what in [("future", 99, "99 (a newer format)"), ("zero", 0, "0"), ("negative", -1, "-1"),
                          ("huge", 2**31 - 1, "2^31 - 1"), ("int_min", -2**31, "-2^31")]:
    sql_case(f"version_{name}", f"run format (PRAGMA user_version) {what}", f"PRAGMA user_version = {value};")
sql_case("app_id_zero", "no application id (PRAGMA application_id 0)", "PRAGMA application_id = 0;")
sql_case("app_id_other", "application id 'GROL'", "PRAGMA application_id = 1196576588;")
sql_case("meta_no_version", "no meta schema_version row and user_version 0: no format version anywhere",
         "DELETE FROM meta WHERE key = 'schema_version'; PRAGMA user_version = 0;")
# The reader takes the version from user_version; meta's copy contradicting it is a damaged (or doctored) file.
sql_case("config_missing", "no meta config row", "DELETE FROM meta WHERE key = 'config';")
meta_case("config_empty", "meta config ''", "config", "")
meta_case("config_not_json", "meta config '{\"p\": 11,'", "config", '{"p": 11,')
meta_case("config_not_object", "meta config '[11, 16]'", "config", "[11, 16]")
meta_case("config_deep_nesting", "meta config [[[...]]], 100 000 deep (valid JSON)", "config", DEEP)
meta_case("config_deep_object", "meta config {\"p\": {\"p\": ...}}, 100 000 deep", "config",
          '{"p": ' * 100000 + "11" + "}" * 100000)


def config_case(name, what, **changes):
    """The seed's config with fields changed (None: the field removed)."""
    @grok_case(name, what)
    def make(base, path):
        con = sqlite3.connect(base)
        cfg = json.loads(con.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()[0])
        con.close()
        cfg.update(changes)
        cfg = {k: v for k, v in cfg.items() if v is not None}
        altered(base, path, "UPDATE meta SET value = ? WHERE key = 'config'", json.dumps(cfg))


config_case("config_p_huge", "config p = 10^9", p=10**9)
config_case("config_d_model_huge", "config d_model = 10^6", d_model=10**6)
config_case("config_epochs_negative", "config epochs = -1", epochs=-1)
config_case("config_p_float_huge", "config p = 1e308", p=1e308)
config_case("config_p_fraction", "config p = 11.5", p=11.5)
config_case("config_p_string", "config p = \"11\"", p="11")
config_case("config_unknown_model", "config model \"gpt-17\" (no such family)", model="gpt-17")
config_case("config_unknown_key", "config with a key of its own", exec="rm -rf /")
config_case("config_p_other", "config p = 13 (valid) over checkpoints of p = 11", p=13)
config_case("config_layers_other", "config n_layers = 2 (valid) over one-layer checkpoints", n_layers=2)
config_case("config_without_p", "config without p (the default, 113) over checkpoints of p = 11", p=None)


# --- SQLite's own format --------------------------------------------------------------------------------------------
def byte_case(name, what):
    """A case made from the bytes of base by make(data, base) -> bytes."""
    def register(make):
        grok_case(name, what)(lambda base, path: open(path, "wb").write(make(open(base, "rb").read(), base)))
        return make
    return register


def garbage(n, salt):
    return random.Random(f"hostile-corpus-{salt}").randbytes(n)


def patched(data, at, new):
    return data[:at] + new + data[at + len(new):]


def tensor_leaf_pages(data, base):
    """The b-tree leaf pages of table tensors, in key order."""
    con = sqlite3.connect(base)
    page = con.execute("PRAGMA page_size").fetchone()[0]
    todo = [con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tensors'").fetchone()[0]]
    con.close()
    leaves = []
    while todo:
        n = todo.pop(0)
        start = (n - 1) * page
        head = start + (100 if n == 1 else 0)
        if data[head] == 0x0D:
            leaves.append(n)
        elif data[head] == 0x05:  # interior: left children in the cells, then the right-most child
            cells = struct.unpack_from(">H", data, head + 3)[0]
            for i in range(cells):
                cell = start + struct.unpack_from(">H", data, head + 12 + 2 * i)[0]
                todo.append(struct.unpack_from(">I", data, cell)[0])
            todo.append(struct.unpack_from(">I", data, head + 8)[0])
    return leaves, page


byte_case("sqlite_truncated_half", "the run file cut at half")(lambda d, b: d[:len(d) // 2])
byte_case("sqlite_truncated_1k", "the run file cut to its first 1024 bytes (of page 1)")(lambda d, b: d[:1024])
byte_case("sqlite_header_garbled", "bytes 16..99 of the SQLite header garbage")(
    lambda d, b: patched(d, 16, garbage(84, "header")))
byte_case("sqlite_schema_page_garbage", "page 1 (the schema) garbage after the header")(
    lambda d, b: patched(d, 100, garbage(struct.unpack_from(">H", d, 16)[0] - 100, "schema")))
byte_case("sqlite_page_size_invalid", "header page size 768 (not a power of two)")(
    lambda d, b: patched(d, 16, struct.pack(">H", 768)))
byte_case("sqlite_page_size_wrong", "header page size 65536 over 4096-byte pages")(
    lambda d, b: patched(d, 16, struct.pack(">H", 1)))
byte_case("sqlite_encoding_utf16", "header text encoding UTF-16le over UTF-8 text")(
    lambda d, b: patched(d, 56, struct.pack(">I", 2)))
byte_case("not_sqlite_random", "64 KiB of random bytes")(lambda d, b: garbage(65536, "random"))
byte_case("not_sqlite_text", "a text file")(lambda d, b: b"epoch,train_loss,test_loss\n0,4.7,4.7\n" * 100)
byte_case("empty", "0 bytes")(lambda d, b: b"")


@byte_case("sqlite_page_garbage_middle", "the middle b-tree leaf page of table tensors garbage")
def _(data, base):
    leaves, page = tensor_leaf_pages(data, base)
    n = leaves[len(leaves) // 2]
    return patched(data, (n - 1) * page, garbage(page, "page"))


@grok_case("sqlite_foreign_db", "an SQLite database of someone else's tables")
def _(base, path):
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES('hi');")
    con.close()


@grok_case("sqlite_no_tables", "an SQLite database with the run's application id and format 3, but no tables")
def _(base, path):
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript("PRAGMA application_id = 1196576587; PRAGMA user_version = 3; CREATE TABLE t(x); DROP TABLE t;")
    con.close()


# --- sweeps ---------------------------------------------------------------------------------------------------------
SWEEP_CASES = []  # (name, what, make(folder, out_dir)); folder is a fresh copy of SWEEP_DIR


def sweep_case(name, what):
    def register(make):
        SWEEP_CASES.append((name, what, make))
        return make
    return register


def manifest(folder, change=None, text=None):
    """Rewrites folder/manifest.json: change(m) edits the parsed manifest, or text replaces it."""
    path = os.path.join(folder, "manifest.json")
    if text is None:
        m = json.load(open(path))
        change(m)
        text = json.dumps(m, separators=(",", ":"))
    open(path, "w").write(text)


def run_file(name, what, change):
    sweep_case(name, what)(lambda folder, out: manifest(folder, lambda m: m["runs"][0].update(file=change)))


def many_runs(m, n, full):
    """n runs: copies of run 0 (full) or the least an entry can be (no varied fields, the default config)."""
    if not full:
        m["varied"] = []
    first = m["runs"][0] if full else {"varied": {}, "config": {}}
    m["runs"] = [dict(first, index=i, file=f"runs/run-{i:06d}.grok") for i in range(n)]


sweep_case("manifest_not_json", "manifest.json cut short")(lambda f, o: manifest(f, text='{"format": "grokking-lab s'))
sweep_case("manifest_deep_nesting", "manifest.json [[[...]]], 100 000 deep")(lambda f, o: manifest(f, text=DEEP))
sweep_case("manifest_huge", "manifest.json of 12 000 whole run entries (~10 MB; a sweep has at most 10 000)")(
    lambda f, o: manifest(f, lambda m: many_runs(m, 12000, True)))
sweep_case("manifest_run_count_enormous", "manifest.json of 150 000 minimal run entries (~10 MB)")(
    lambda f, o: manifest(f, lambda m: many_runs(m, 150000, False)))
sweep_case("manifest_index_wraps", "run 0's index 2^32 (0 as a 32-bit int)")(
    lambda f, o: manifest(f, lambda m: m["runs"][0].update(index=1 << 32)))
sweep_case("manifest_future_version", "manifest version 99")(lambda f, o: manifest(f, lambda m: m.update(version=99)))
sweep_case("manifest_foreign_format", "manifest format 'something else'")(
    lambda f, o: manifest(f, lambda m: m.update(format="something else")))
sweep_case("manifest_bad_config", "run 0's config p = 10^9")(
    lambda f, o: manifest(f, lambda m: m["runs"][0]["config"].update(p=10**9)))
sweep_case("manifest_out_of_order", "runs listed in reverse order")(
    lambda f, o: manifest(f, lambda m: m["runs"].reverse()))
run_file("manifest_file_absolute", "run 0's file /tmp/hostile-corpus-outside.grok", "/tmp/hostile-corpus-outside.grok")
run_file("manifest_file_parent", "run 0's file ../outside.grok", "../outside.grok")
run_file("manifest_file_dotdot_inside", "run 0's file runs/../../outside.grok", "runs/../../outside.grok")
run_file("manifest_file_subfolder", "run 0's file runs/sub/run-000.grok", "runs/sub/run-000.grok")
run_file("manifest_file_not_grok", "run 0's file runs/run-000.sqlite", "runs/run-000.sqlite")


@sweep_case("runs_is_a_file", "runs is a file, not a folder")
def _(folder, out):
    shutil.rmtree(os.path.join(folder, "runs"))
    open(os.path.join(folder, "runs"), "w").write("not a folder\n")


@sweep_case("run_of_other_config", "runs/run-001.grok a run of run 0's config (another sweep's file copied in)")
def _(folder, out):
    shutil.copyfile(os.path.join(out, ".seed.grok"), os.path.join(folder, "runs", "run-001.grok"))


for case in ("schema_endless_view_metrics", "wrapped_shape", "shape_mismatch", "config_deep_nesting",
             "sqlite_truncated_half", "not_sqlite_text"):
    @sweep_case(f"run_{case}", f"runs/run-000.grok is {case}.grok")
    def _(folder, out, case=case):
        shutil.copyfile(os.path.join(out, case + ".grok"), os.path.join(folder, "runs", "run-000.grok"))


# --- main -----------------------------------------------------------------------------------------------------------
def clean_copy(seed, path):
    """SEED.grok as one self-contained rollback-journal file (its WAL, if any, folded in)."""
    if os.path.exists(path):
        os.remove(path)
    src = sqlite3.connect(f"file:{seed}?mode=ro", uri=True)
    dst = sqlite3.connect(path, isolation_level=None)
    src.backup(dst)
    src.close()
    dst.execute("PRAGMA journal_mode = DELETE")
    dst.close()


def main(argv):
    if len(argv) not in (4, 5):
        raise SystemExit(__doc__.split("\n\n")[1])
    seed_grok, seed_pt, out = argv[1:4]
    os.makedirs(out, exist_ok=True)
    base = os.path.join(out, ".seed.grok")
    clean_copy(seed_grok, base)
    for name, what, make in GROK_CASES:
        path = os.path.join(out, name + ".grok")
        for stale in (path, path + "-wal", path + "-shm", path + "-journal"):
            if os.path.exists(stale):
                os.remove(stale)
        make(base, path)
        print(f"{name}.grok\t{what}")
    seed = hostile_corpus_pt.load_seed(seed_pt)
    for name, what, make in hostile_corpus_pt.PT_CASES + [("grok_as_pt", "a run file named .pt",
                                                           lambda s: open(base, "rb").read())]:
        open(os.path.join(out, name + ".pt"), "wb").write(make(seed))
        print(f"{name}.pt\t{what}")
    open(os.path.join(out, "pt_as_grok.grok"), "wb").write(seed.raw)
    print("pt_as_grok.grok\ta PyTorch checkpoint named .grok")
    if len(argv) == 5:
        for name, what, make in SWEEP_CASES:
            folder = os.path.join(out, "sweep_" + name)
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(argv[4], folder)
            make(folder, out)
            print(f"sweep_{name}/\t{what}")
    os.remove(base)


if __name__ == "__main__":
    main(sys.argv)
