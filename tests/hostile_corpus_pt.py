"""The PyTorch half of tests/hostile_corpus.py: hostile `.pt` checkpoints, written by hand.

A `.pt` file is a zip (torch.save's format: archive/data.pkl, archive/data/<key>, archive/version)
whose data.pkl is a pickle. The zips and pickles here are written byte by byte (protocol 2 opcodes,
a zip writer of our own), so that every claim in them can lie: sizes, counts, names, shapes. The
seed checkpoint is read with the standard library's Unpickler restricted to a state dict's globals
(nothing in it is called) and written again with one thing changed per case.

    seed = load_seed("seed.pt")
    for name, what, make in PT_CASES:
        open(name + ".pt", "wb").write(make(seed))

Every case is a file a correct reader must refuse, quickly and in bounded memory.
"""
import collections
import pickle
import struct
import zlib
from typing import NamedTuple

BIG = 1 << 20  # the memoized string of the memo bombs: 1 MiB, referenced 20 000 times (~20 GiB if copied)
REFS = 20000


class Storage(NamedTuple):
    cls: str  # "FloatStorage", ...
    key: str  # the record archive/data/<key>
    location: str
    numel: int


class Tensor(NamedTuple):
    storage: Storage
    offset: int
    size: tuple
    stride: tuple


class Raw(bytes):
    """Opcodes spliced verbatim where a value belongs (they must push exactly one value)."""


class _SeedUnpickler(pickle.Unpickler):
    """Reads the seed's state dicts without calling anything but OrderedDict."""

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda s, offset, size, stride, *rest: Tensor(s, offset, tuple(size), tuple(stride))
        if module == "torch" and name.endswith("Storage"):
            return name
        raise pickle.UnpicklingError(f"the seed uses {module}.{name}")

    def persistent_load(self, pid):
        return Storage(pid[1], pid[2], pid[3], pid[4])


class Seed(NamedTuple):
    root: dict  # the full_run root: state_dicts, epochs, train_losses, test_losses, config, grokking_lab_config
    records: dict  # key -> bytes
    pickle: bytes
    raw: bytes  # the whole file


def load_seed(path):
    import io
    import zipfile
    raw = open(path, "rb").read()
    z = zipfile.ZipFile(io.BytesIO(raw))
    prefix = z.namelist()[0].split("/")[0]
    pkl = z.read(f"{prefix}/data.pkl")
    records = {n.split("/data/", 1)[1]: z.read(n) for n in z.namelist() if "/data/" in n}
    root = _SeedUnpickler(io.BytesIO(pkl)).load()
    if "state_dicts" not in root:
        raise SystemExit(f"{path}: expected a full run (grokking-cli export-pt --all --format authors)")
    return Seed(root, records, pkl, raw)


# --- pickles ---------------------------------------------------------------------------------------------------------

def put(i):
    return b"r" + struct.pack("<I", i)  # LONG_BINPUT


def get(i):
    return b"j" + struct.pack("<I", i)  # LONG_BINGET


def text(s):
    b = s.encode() if isinstance(s, str) else s
    return b"X" + struct.pack("<I", len(b)) + b  # BINUNICODE


def glob(module, name):
    return f"c{module}\n{name}\n".encode()  # GLOBAL


def integer(n):
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if -(1 << 31) <= n < (1 << 31):
        return b"J" + struct.pack("<i", n)
    b = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(b)]) + b  # LONG1


def ops(v):
    """The protocol 2 opcodes that push `v`, as torch.save writes a checkpoint's values."""
    if isinstance(v, Raw):
        return bytes(v)
    if v is None:
        return b"N"
    if isinstance(v, bool):
        return b"\x88" if v else b"\x89"
    if isinstance(v, int):
        return integer(v)
    if isinstance(v, float):
        return b"G" + struct.pack(">d", v)
    if isinstance(v, str):
        return text(v)
    if isinstance(v, Tensor):
        s = v.storage
        pid = b"(" + text("storage") + glob("torch", s.cls) + text(s.key) + text(s.location) + integer(s.numel)
        return (glob("torch._utils", "_rebuild_tensor_v2") + b"(" + pid + b"tQ" + integer(v.offset) +
                ops(tuple(v.size)) + ops(tuple(v.stride)) + b"\x89" + glob("collections", "OrderedDict") +
                b")R" + b"t" + b"R")
    if isinstance(v, tuple):
        return b"(" + b"".join(ops(x) for x in v) + b"t"
    if isinstance(v, list):
        return b"](" + b"".join(ops(x) for x in v) + b"e"
    if isinstance(v, collections.OrderedDict):
        return glob("collections", "OrderedDict") + b")R(" + b"".join(ops(k) + ops(x) for k, x in v.items()) + b"u"
    if isinstance(v, dict):
        return b"}(" + b"".join(ops(k) + ops(x) for k, x in v.items()) + b"u"
    raise TypeError(type(v))


def pickle_of(root, proto=2):
    return b"\x80" + bytes([proto]) + ops(root) + b"."


# --- zips ------------------------------------------------------------------------------------------------------------

class Entry(NamedTuple):
    name: str
    data: bytes  # as stored in the file (compressed for method 8)
    method: int = 0  # 0 stored, 8 deflated
    crc: int = None  # of the uncompressed bytes; default: of data
    size: int = None  # uncompressed size as declared; default: len(data)


def zip_bytes(entries):
    """A zip with exactly these entries, sizes and names as given (duplicates and lies included)."""
    out, central = bytearray(), bytearray()
    for e in entries:
        name = e.name.encode()
        crc = zlib.crc32(e.data) if e.crc is None else e.crc
        size = len(e.data) if e.size is None else e.size
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, e.method, 0, 0x21, crc, len(e.data), size,
                               len(name), 0, 0, 0, 0, 0, len(out)) + name
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, e.method, 0, 0x21, crc, len(e.data), size, len(name), 0)
        out += name + e.data
    n = len(entries)
    return bytes(out + central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), len(out), 0))


def torch_entries(pkl, records, version=b"3\n", prefix="archive/"):
    """torch.save's layout: data.pkl, byteorder, data/<key>..., version (None: left out)."""
    entries = [Entry(f"{prefix}data.pkl", pkl), Entry(f"{prefix}byteorder", b"little")]
    entries += [Entry(f"{prefix}data/{k}", v) for k, v in records.items()]
    return entries + ([Entry(f"{prefix}version", version)] if version is not None else [])


def torch_zip(pkl, records, version=b"3\n", extra=(), prefix="archive/"):
    return zip_bytes(torch_entries(pkl, records, version, prefix) + list(extra))


def deflate_repeat(head, unit, total, tail):
    """Raw deflate of head + unit * total + tail in ~1 MB per GiB, and its CRC and size, in well under a second.

    A full flush resets the compressor, so each 16 MiB run of `unit` compresses to the same bytes: compress one
    and repeat it."""
    chunk = 1 << 24
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = unit * chunk
    seg = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    assert seg == c.compress(block) + c.flush(zlib.Z_FULL_FLUSH), "zlib's flushed segments differ"
    n = total // chunk
    body = first + seg * n + c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    return body, zlib.crc32(tail, crc), len(head) + n * chunk + len(tail)


# --- the cases -------------------------------------------------------------------------------------------------------

PT_CASES = []


def case(name, what):
    def register(make):
        PT_CASES.append((name, what, make))
        return make
    return register


def single(seed, **changes):
    """A bare checkpoint {"model": the seed's last state dict, "epoch", "config"}, with `changes` to its tensors."""
    sd = collections.OrderedDict(seed.root["state_dicts"][-1])
    sd.update(changes)
    return {"model": sd, "epoch": seed.root["epochs"][-1], "config": seed.root["config"]}


def w_e(seed):
    return seed.root["state_dicts"][-1]["embed.W_E"]


def with_root(seed, root, proto=2):
    return torch_zip(pickle_of(root, proto), seed.records)


def full_run(seed, **changes):
    root = dict(seed.root)
    root.update(changes)
    return with_root(seed, root)


DEFINE_BIG = Raw(text("A" * BIG) + put(7))  # pushes the 1 MiB string once and memoizes it as 7


@case("memo_bomb_storage_ids", "a memoized 1 MiB string as key and location of 20 000 storage ids (~40 GiB if copied)")
def _(seed):
    sid = b"(" + get(1) + get(2) + get(7) + get(7) + integer(1) + b"tQ"
    first = b"(" + text("storage") + put(1) + glob("torch", "FloatStorage") + put(2) + get(7) + get(7) + b"K\x01tQ"
    return with_root(seed, {"big": DEFINE_BIG, "junk": Raw(b"](" + first + sid * (REFS - 1) + b"e"), **single(seed)})


@case("memo_bomb_config", "a memoized 1 MiB string as the value of 20 000 config entries (~20 GiB if copied)")
def _(seed):
    cfg = b"}(" + b"".join(text(f"k{i}") + get(7) for i in range(REFS)) + b"u"
    return with_root(seed, {"big": DEFINE_BIG, **single(seed), "config": Raw(cfg)})


@case("memo_bomb_tensor_names", "a memoized 1 MiB string as the name of 20 000 state-dict entries (~20 GiB if copied)")
def _(seed):
    sd = (glob("collections", "OrderedDict") + b")R(" + get(7) + ops(w_e(seed)) + put(8) +
          (get(7) + get(8)) * (REFS - 1) + b"u")
    return with_root(seed, {"big": DEFINE_BIG, "model": Raw(sd), "epoch": 40})


@case("codecs_encode_bomb", "_codecs.encode of a memoized 1 MiB string, reduced 20 000 times (~20 GiB of bytes)")
def _(seed):
    first = glob("_codecs", "encode") + put(3) + get(7) + text("latin1") + put(4) + b"\x86R"
    call = get(3) + get(7) + get(4) + b"\x86R"
    return with_root(seed, {"big": DEFINE_BIG, "junk": Raw(b"](" + first + call * (REFS - 1) + b"e"), **single(seed)})


@case("deep_marks", "10^6 nested MARKs")
def _(seed):
    return torch_zip(b"\x80\x02" + b"(" * 10**6 + b".", seed.records)


@case("deep_lists", "a list nested 10^6 deep (EMPTY_LIST x 10^6, APPEND x 10^6) as state_dicts")
def _(seed):
    n = 10**6
    return torch_zip(b"\x80\x02}" + text("state_dicts") + b"]" * n + b"a" * (n - 1) + b"s.", seed.records)


@case("huge_numel_storage", "W_E's storage claims 2^40 float32 elements (4 TiB); its record holds 768 bytes")
def _(seed):
    t = w_e(seed)
    return with_root(seed, single(seed, **{"embed.W_E": t._replace(storage=t.storage._replace(numel=1 << 40))}))


@case("huge_numel_tensor", "W_E a [2^20, 2^20] view of a storage claiming 2^40 elements")
def _(seed):
    t = w_e(seed)
    big = t._replace(storage=t.storage._replace(numel=1 << 40), size=(1 << 20, 1 << 20), stride=(1 << 20, 1))
    return with_root(seed, single(seed, **{"embed.W_E": big}))


@case("storage_over_limit", "W_E's storage claims 2^41 elements")
def _(seed):
    t = w_e(seed)
    return with_root(seed, single(seed, **{"embed.W_E": t._replace(storage=t.storage._replace(numel=1 << 41))}))


@case("tensor_past_storage_offset", "W_E [16, 12] at offset 1 of its 192-element storage: one element past the end")
def _(seed):
    return with_root(seed, single(seed, **{"embed.W_E": w_e(seed)._replace(offset=1)}))


@case("tensor_past_storage_stride", "W_E [16, 12] with stride [13, 1] over 192 elements: reaches past the storage")
def _(seed):
    return with_root(seed, single(seed, **{"embed.W_E": w_e(seed)._replace(stride=(13, 1))}))


@case("tensor_zero_dim_huge", "W_E of shape [0, 2^40]: no elements, a shape no model has")
def _(seed):
    return with_root(seed, single(seed, **{"embed.W_E": w_e(seed)._replace(size=(0, 1 << 40), stride=(1 << 40, 1))}))


def _bomb_zip(seed, tensor, total):
    """W_E's record replaced by a deflated one inflating to `total` zero bytes."""
    body, crc, size = deflate_repeat(b"", b"\0", total, b"")
    key = tensor.storage.key
    records = {k: v for k, v in seed.records.items() if k != key}
    pkl = pickle_of(single(seed, **{"embed.W_E": tensor}))
    return torch_zip(pkl, records, extra=[Entry(f"archive/data/{key}", body, 8, crc, size)])


@case("deflate_bomb_small_tensor", "W_E's record is deflated and inflates to 1 GiB; W_E needs 768 bytes of it")
def _(seed):
    return _bomb_zip(seed, w_e(seed), 1 << 30)


@case("deflate_bomb_large_tensor", "W_E a [16384, 16384] tensor of a deflated record inflating to 1 GiB")
def _(seed):
    t = w_e(seed)
    big = t._replace(storage=t.storage._replace(numel=1 << 28), size=(1 << 14, 1 << 14), stride=(1 << 14, 1))
    return _bomb_zip(seed, big, 1 << 30)


@case("deflate_bomb_pickle", "data.pkl deflated, inflating to 512 MiB of MARKs")
def _(seed):
    body, crc, size = deflate_repeat(b"\x80\x02", b"(", 1 << 29, b".")
    return zip_bytes([Entry("archive/data.pkl", body, 8, crc, size)] + torch_entries(b"", seed.records)[2:])


def _size_lie(seed, target):
    entries = torch_entries(seed.pickle, seed.records)
    return zip_bytes([e._replace(size=0xF0000000) if e.name == target else e for e in entries])


@case("zip_size_lie_storage", "data/0 stored (768 bytes), its headers claiming 0xF0000000 (3.75 GiB) uncompressed")
def _(seed):
    return _size_lie(seed, "archive/data/0")


@case("zip_size_lie_pickle", "data.pkl stored but its headers declare 0xF0000000 bytes (3.75 GiB) uncompressed")
def _(seed):
    return _size_lie(seed, "archive/data.pkl")


@case("duplicate_storage_record", "two archive/data/0 records, 768 and 4 bytes: which is checkpoint 0's W_E?")
def _(seed):
    return torch_zip(seed.pickle, seed.records, extra=[Entry("archive/data/0", b"\0" * 4)])


@case("duplicate_pickle_record", "two archive/data.pkl records: the seed's and one calling os.system")
def _(seed):
    evil = pickle_of({"model": Raw(glob("os", "system") + text("echo hostile-corpus") + b"\x85R")})
    return torch_zip(seed.pickle, seed.records, extra=[Entry("archive/data.pkl", evil)])


def _call(module, name, arg):
    return Raw(glob(module, name) + ops(arg) + b"\x85R")


@case("global_os_system", "a valid checkpoint with one entry calling os.system('echo hostile-corpus')")
def _(seed):
    return with_root(seed, {**single(seed), "hook": _call("os", "system", "echo hostile-corpus")})


@case("global_builtins_eval", "a valid checkpoint with one entry calling builtins.eval('1+1')")
def _(seed):
    return with_root(seed, {**single(seed), "hook": _call("builtins", "eval", "1+1")})


@case("stack_global_posix_system", "protocol 4 STACK_GLOBAL posix.system('echo hostile-corpus')")
def _(seed):
    call = Raw(text("posix") + text("system") + b"\x93" + text("echo hostile-corpus") + b"\x85R")
    return with_root(seed, {**single(seed), "hook": call}, proto=4)


@case("global_load_from_bytes", "torch.storage._load_from_bytes (an unrestricted torch.load of the bytes inside)")
def _(seed):
    return with_root(seed, {**single(seed), "hook": _call("torch.storage", "_load_from_bytes", "\x80\x02N.")})


@case("truncated_zip", "the seed cut at half its size")
def _(seed):
    return seed.raw[:len(seed.raw) // 2]


@case("truncated_pickle", "a valid zip whose data.pkl is the seed's cut at half")
def _(seed):
    return torch_zip(seed.pickle[:len(seed.pickle) // 2], seed.records)


@case("not_zip", "text, not a zip")
def _(seed):
    return b"This is not a PyTorch checkpoint.\n" * 64


@case("legacy_format", "PyTorch's pre-1.6 format: a pickle of its magic number first")
def _(seed):
    magic = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."
    return magic + b"\x80\x02M\xe9\x03." + seed.pickle


@case("torchscript", "a TorchScript archive (constants.pkl, code/), not a state dict")
def _(seed):
    return torch_zip(seed.pickle, seed.records, extra=[Entry("archive/constants.pkl", b"\x80\x02).")] +
                     [Entry("archive/code/__torch__.py", b"class Model(Module):\n  pass\n")])


@case("zip_without_pickle", "a torch-like zip with storages and a version but no data.pkl")
def _(seed):
    return zip_bytes([Entry(f"archive/data/{k}", v) for k, v in seed.records.items()] +
                     [Entry("archive/version", b"3\n")])


@case("zip_not_in_folder", "data.pkl, data/<key> and version at the top of the zip, not under one folder")
def _(seed):
    return torch_zip(seed.pickle, seed.records, prefix="")


@case("version_future", "archive/version says 999")
def _(seed):
    return torch_zip(seed.pickle, seed.records, version=b"999\n")


@case("version_text", "archive/version says 'three'")
def _(seed):
    return torch_zip(seed.pickle, seed.records, version=b"three\n")


@case("version_missing", "no archive/version record")
def _(seed):
    return torch_zip(seed.pickle, seed.records, version=None)


@case("empty", "0 bytes")
def _(seed):
    return b""


@case("storage_missing", "W_E's storage key 999 has no record")
def _(seed):
    t = w_e(seed)
    return with_root(seed, single(seed, **{"embed.W_E": t._replace(storage=t.storage._replace(key="999"))}))


@case("storage_short", "checkpoint 0's W_E record data/0 holds 100 bytes for 192 float32 elements")
def _(seed):
    records = dict(seed.records)
    records["0"] = records["0"][:100]
    return torch_zip(seed.pickle, records)


@case("shape_disagrees", "W_E [16, 6] (a view of its storage) where every other tensor says p = 11 (12 tokens)")
def _(seed):
    return with_root(seed, single(seed, **{"embed.W_E": w_e(seed)._replace(size=(16, 6), stride=(6, 1))}))


@case("model_p5_config_p11", "a p = 5 model's tensors (W_E, W_U [16, 6]) under a config and lab config of p = 11")
def _(seed):
    last = seed.root["state_dicts"][-1]
    small = {n: last[n]._replace(size=(16, 6), stride=(6, 1)) for n in ("embed.W_E", "unembed.W_U")}
    return with_root(seed, {**single(seed, **small), "grokking_lab_config": seed.root["grokking_lab_config"]})


@case("lab_config_deep", "grokking_lab_config [[[...]]], 100 000 deep (valid JSON)")
def _(seed):
    return with_root(seed, {**single(seed), "grokking_lab_config": "[" * 100000 + "]" * 100000})


@case("lab_config_absurd", "grokking_lab_config with p = 10^9, d_model = 10^6, epochs = -1")
def _(seed):
    import json
    cfg = json.loads(seed.root["grokking_lab_config"])
    cfg.update(p=10**9, d_model=10**6, epochs=-1)
    return with_root(seed, {**single(seed), "grokking_lab_config": json.dumps(cfg)})


@case("epochs_count_mismatch", "a full run of 3 state dicts listing 2 epochs")
def _(seed):
    return full_run(seed, epochs=[0, 20])


@case("epochs_negative", "a full run with epochs [0, -20, 40]")
def _(seed):
    return full_run(seed, epochs=[0, -20, 40])


@case("epochs_huge", "a full run with epochs [0, 20, 2^40]")
def _(seed):
    return full_run(seed, epochs=[0, 20, 1 << 40])


@case("epochs_not_integer", "a full run with epochs [0, 20.5, 40]")
def _(seed):
    return full_run(seed, epochs=[0, 20.5, 40])


@case("epochs_duplicate", "a full run with epochs [0, 20, 20]: two checkpoints of one epoch")
def _(seed):
    return full_run(seed, epochs=[0, 20, 20])


@case("state_dicts_empty", "a full run whose state_dicts list is empty")
def _(seed):
    return full_run(seed, state_dicts=[], epochs=[], train_losses=[], test_losses=[])


@case("too_many_checkpoints", "a full run of 100 001 references to one memoized state dict (limit 100 000)")
def _(seed):
    sd = ops(seed.root["state_dicts"][-1]) + put(9)
    root = {k: v for k, v in seed.root.items() if k not in ("epochs", "train_losses", "test_losses")}
    return with_root(seed, {**root, "state_dicts": Raw(b"](" + sd + get(9) * 100000 + b"e")})
