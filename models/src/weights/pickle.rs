//! A minimal, bounds-checked pickle virtual machine: the subset of Python's pickle protocols
//! 2–5 that PyTorch writes for `data.pkl` (TorchScript modules and `torch.save` zip files).
//!
//! It never executes anything: `GLOBAL`s become [`Value::Global`] names, `REDUCE`/`NEWOBJ`
//! build inert [`Value::Object`]s, and only three callables are understood because PyTorch
//! needs them: `torch._utils._rebuild_tensor_v2` (a tensor view on a storage),
//! `torch._utils._rebuild_parameter` (a parameter wrapping a tensor) and
//! `collections.OrderedDict` (a dict). Persistent ids (`BINPERSID`) of the form
//! `("storage", torch.<Type>Storage, key, location, numel)` become [`Value::Storage`].
//!
//! Hostile input fails with [`Error::InvalidWeights`]; nothing here panics, allocates more
//! than a small multiple of the input size, or recurses.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::{Error, Result};

/// Element type of a PyTorch storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageDtype {
    /// `FloatStorage`.
    F32,
    /// `HalfStorage`.
    F16,
    /// `BFloat16Storage`.
    BF16,
    /// `DoubleStorage`.
    F64,
    /// `LongStorage`.
    I64,
    /// `IntStorage`.
    I32,
    /// `ShortStorage`.
    I16,
    /// `CharStorage`.
    I8,
    /// `ByteStorage`.
    U8,
    /// `BoolStorage`.
    Bool,
}

impl StorageDtype {
    /// Maps a storage class name (`FloatStorage`, …) to its element type.
    pub fn from_class(name: &str) -> Option<Self> {
        Some(match name {
            "FloatStorage" => Self::F32,
            "HalfStorage" => Self::F16,
            "BFloat16Storage" => Self::BF16,
            "DoubleStorage" => Self::F64,
            "LongStorage" => Self::I64,
            "IntStorage" => Self::I32,
            "ShortStorage" => Self::I16,
            "CharStorage" => Self::I8,
            "ByteStorage" => Self::U8,
            "BoolStorage" => Self::Bool,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Self::F64 | Self::I64 => 8,
            Self::F32 | Self::I32 => 4,
            Self::F16 | Self::BF16 | Self::I16 => 2,
            Self::I8 | Self::U8 | Self::Bool => 1,
        }
    }
}

/// A storage named by a persistent id: its bytes live in `data/<key>` of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageRef {
    /// The entry name under `data/`.
    pub key: String,
    /// Element type.
    pub dtype: StorageDtype,
    /// Number of elements.
    pub numel: usize,
}

/// A tensor: a strided view on a storage (`_rebuild_tensor_v2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorRef {
    /// The storage viewed.
    pub storage: Rc<StorageRef>,
    /// Offset of the first element, in elements.
    pub offset: usize,
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Strides, in elements.
    pub strides: Vec<usize>,
}

/// A mutable container shared between the stack and the memo, as in Python.
pub type Shared<T> = Rc<RefCell<T>>;

/// An instance built by `NEWOBJ` or an unknown `REDUCE`; `state` is set by `BUILD`.
#[derive(Clone)]
pub struct Object {
    /// `(module, name)` of its class or callable.
    pub class: Rc<(String, String)>,
    /// The state given to `BUILD` (a module's attribute dict), if any.
    pub state: Option<Value>,
}

/// A value on the pickle stack.
#[derive(Clone)]
pub enum Value {
    /// `None`.
    None,
    /// A boolean.
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// An integer too large for `i64` (kept opaque).
    BigInt,
    /// A float.
    Float(f64),
    /// A string.
    Str(Rc<str>),
    /// Bytes.
    Bytes(Rc<[u8]>),
    /// A tuple.
    Tuple(Rc<[Value]>),
    /// A list.
    List(Shared<Vec<Value>>),
    /// A dict, in insertion order (also sets and `OrderedDict`s).
    Dict(Shared<Vec<(Value, Value)>>),
    /// A class or function reference `module.name` (never resolved).
    Global(Rc<(String, String)>),
    /// An inert object.
    Object(Shared<Object>),
    /// A storage named by a persistent id.
    Storage(Rc<StorageRef>),
    /// A tensor.
    Tensor(Rc<TensorRef>),
}

impl Value {
    /// A short name of the value's type, for error messages (never prints contents).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Bool(_) => "bool",
            Self::Int(_) | Self::BigInt => "int",
            Self::Float(_) => "float",
            Self::Str(_) => "str",
            Self::Bytes(_) => "bytes",
            Self::Tuple(_) => "tuple",
            Self::List(_) => "list",
            Self::Dict(_) => "dict",
            Self::Global(_) => "global",
            Self::Object(_) => "object",
            Self::Storage(_) => "storage",
            Self::Tensor(_) => "tensor",
        }
    }

    fn as_usize(&self, what: &str) -> Result<usize> {
        match self {
            Self::Int(i) => usize::try_from(*i).map_err(|_| bad(format!("negative {what} {i}"))),
            Self::Bool(b) => Ok(usize::from(*b)),
            other => Err(bad(format!(
                "{what} is a {}, expected an int",
                other.kind()
            ))),
        }
    }

    fn items(&self, what: &str) -> Result<Vec<Value>> {
        match self {
            Self::Tuple(t) => Ok(t.to_vec()),
            Self::List(l) => Ok(l
                .try_borrow()
                .map_err(|_| bad("list is being modified"))?
                .clone()),
            other => Err(bad(format!(
                "{what} is a {}, expected a tuple",
                other.kind()
            ))),
        }
    }
}

fn bad(msg: impl Into<String>) -> Error {
    Error::InvalidWeights(format!("pickle: {}", msg.into()))
}

/// Most items a container opcode may pop or a memo may hold; far above what PyTorch writes.
const MAX_STACK: usize = 1 << 24;

/// Unpickles `data` into its top-level value.
pub fn unpickle(data: &[u8]) -> Result<Value> {
    Machine::new(data).run()
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
}

impl<'a> Machine<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| bad(format!("truncated at byte {}", self.pos)))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn len_u64(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| bad("length does not fit in memory"))
    }

    fn line(&mut self) -> Result<&'a str> {
        let rest = &self.data[self.pos.min(self.data.len())..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad("unterminated text line"))?;
        let line = self.take(n)?;
        self.pos += 1;
        std::str::from_utf8(line).map_err(|_| bad("text line is not UTF-8"))
    }

    fn string(&mut self, n: usize) -> Result<Value> {
        let raw = self.take(n)?;
        let s = std::str::from_utf8(raw).map_err(|_| bad("string is not UTF-8"))?;
        Ok(Value::Str(Rc::from(s)))
    }

    fn push(&mut self, v: Value) -> Result<()> {
        if self.stack.len() >= MAX_STACK {
            return Err(bad("stack too deep"));
        }
        self.stack.push(v);
        Ok(())
    }

    fn pop(&mut self) -> Result<Value> {
        if self.marks.last().is_some_and(|&m| m >= self.stack.len()) {
            return Err(bad("pop across a mark"));
        }
        self.stack.pop().ok_or_else(|| bad("stack underflow"))
    }

    fn top(&self) -> Result<&Value> {
        self.stack.last().ok_or_else(|| bad("stack underflow"))
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>> {
        let mark = self.marks.pop().ok_or_else(|| bad("no mark"))?;
        if mark > self.stack.len() {
            return Err(bad("mark past the stack"));
        }
        Ok(self.stack.split_off(mark))
    }

    fn memo_put(&mut self, idx: u32) -> Result<()> {
        let v = self.top()?.clone();
        if self.memo.len() >= MAX_STACK {
            return Err(bad("memo too large"));
        }
        self.memo.insert(idx, v);
        Ok(())
    }

    fn memo_get(&mut self, idx: u32) -> Result<()> {
        let v = self
            .memo
            .get(&idx)
            .cloned()
            .ok_or_else(|| bad(format!("memo entry {idx} is not set")))?;
        self.push(v)
    }

    fn run(mut self) -> Result<Value> {
        loop {
            let op = self.u8()?;
            match op {
                // PROTO, FRAME: nothing to do beyond skipping the argument.
                0x80 => {
                    let proto = self.u8()?;
                    if proto > 5 {
                        return Err(bad(format!("unsupported pickle protocol {proto}")));
                    }
                }
                0x95 => {
                    self.u64()?;
                }
                b'.' => return self.pop(), // STOP
                b'(' => self.marks.push(self.stack.len()),
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.push(v)?;
                }
                b'N' => self.push(Value::None)?,
                0x88 => self.push(Value::Bool(true))?,
                0x89 => self.push(Value::Bool(false))?,
                b'J' => {
                    let b = self.take(4)?;
                    let v = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    self.push(Value::Int(i64::from(v)))?;
                }
                b'K' => {
                    let v = self.u8()?;
                    self.push(Value::Int(i64::from(v)))?;
                }
                b'M' => {
                    let v = self.u16()?;
                    self.push(Value::Int(i64::from(v)))?;
                }
                0x8a => {
                    let n = usize::from(self.u8()?);
                    let bytes = self.take(n)?;
                    self.push(long_from_le(bytes))?;
                }
                0x8b => {
                    let n = self.u32()? as usize;
                    let bytes = self.take(n)?;
                    self.push(long_from_le(bytes))?;
                }
                b'I' => {
                    let line = self.line()?;
                    let v = match line {
                        "00" => Value::Bool(false),
                        "01" => Value::Bool(true),
                        s => Value::Int(s.parse().map_err(|_| bad("bad INT"))?),
                    };
                    self.push(v)?;
                }
                b'L' => {
                    let line = self.line()?.trim_end_matches('L');
                    let v = line.parse().map_or(Value::BigInt, Value::Int);
                    self.push(v)?;
                }
                b'G' => {
                    let v = f64::from_bits(self.u64()?.swap_bytes());
                    self.push(Value::Float(v))?;
                }
                b'F' => {
                    let v = self.line()?.parse().map_err(|_| bad("bad FLOAT"))?;
                    self.push(Value::Float(v))?;
                }
                b'X' => {
                    let n = self.u32()? as usize;
                    let v = self.string(n)?;
                    self.push(v)?;
                }
                0x8c => {
                    let n = usize::from(self.u8()?);
                    let v = self.string(n)?;
                    self.push(v)?;
                }
                0x8d => {
                    let n = self.len_u64()?;
                    let v = self.string(n)?;
                    self.push(v)?;
                }
                b'C' => {
                    let n = usize::from(self.u8()?);
                    let v = Value::Bytes(Rc::from(self.take(n)?));
                    self.push(v)?;
                }
                b'B' => {
                    let n = self.u32()? as usize;
                    let v = Value::Bytes(Rc::from(self.take(n)?));
                    self.push(v)?;
                }
                0x8e => {
                    let n = self.len_u64()?;
                    let v = Value::Bytes(Rc::from(self.take(n)?));
                    self.push(v)?;
                }
                b')' => self.push(Value::Tuple(Rc::from(Vec::new())))?,
                b't' => {
                    let items = self.pop_mark()?;
                    self.push(Value::Tuple(Rc::from(items)))?;
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    if self.stack.len() < n
                        || self.marks.last().is_some_and(|&m| m > self.stack.len() - n)
                    {
                        return Err(bad("stack underflow in TUPLE1/2/3"));
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.push(Value::Tuple(Rc::from(items)))?;
                }
                b']' => self.push(Value::List(Rc::new(RefCell::new(Vec::new()))))?,
                b'l' => {
                    let items = self.pop_mark()?;
                    self.push(Value::List(Rc::new(RefCell::new(items))))?;
                }
                b'}' | 0x8f => self.push(Value::Dict(Rc::new(RefCell::new(Vec::new()))))?,
                b'd' => {
                    let items = self.pop_mark()?;
                    let pairs = pairs(items)?;
                    self.push(Value::Dict(Rc::new(RefCell::new(pairs))))?;
                }
                0x91 => {
                    let items = self.pop_mark()?;
                    let set = items.into_iter().map(|v| (v, Value::None)).collect();
                    self.push(Value::Dict(Rc::new(RefCell::new(set))))?;
                }
                b'a' => {
                    let v = self.pop()?;
                    append(self.top()?, vec![v])?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    append(self.top()?, items)?;
                }
                0x90 => {
                    let items = self.pop_mark()?;
                    let set = items.into_iter().map(|v| (v, Value::None)).collect();
                    set_items(self.top()?, set)?;
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    set_items(self.top()?, vec![(k, v)])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let pairs = pairs(items)?;
                    set_items(self.top()?, pairs)?;
                }
                b'c' => {
                    let module = self.line()?.to_owned();
                    let name = self.line()?.to_owned();
                    self.push(Value::Global(Rc::new((module, name))))?;
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module, name) {
                        (Value::Str(m), Value::Str(n)) => {
                            self.push(Value::Global(Rc::new((m.to_string(), n.to_string()))))?
                        }
                        _ => return Err(bad("STACK_GLOBAL needs two strings")),
                    }
                }
                b'q' => {
                    let idx = u32::from(self.u8()?);
                    self.memo_put(idx)?;
                }
                b'r' => {
                    let idx = self.u32()?;
                    self.memo_put(idx)?;
                }
                0x94 => {
                    let idx = u32::try_from(self.memo.len()).map_err(|_| bad("memo full"))?;
                    self.memo_put(idx)?;
                }
                b'p' => {
                    let idx = self.line()?.parse().map_err(|_| bad("bad PUT"))?;
                    self.memo_put(idx)?;
                }
                b'h' => {
                    let idx = u32::from(self.u8()?);
                    self.memo_get(idx)?;
                }
                b'j' => {
                    let idx = self.u32()?;
                    self.memo_get(idx)?;
                }
                b'g' => {
                    let idx = self.line()?.parse().map_err(|_| bad("bad GET"))?;
                    self.memo_get(idx)?;
                }
                b'Q' => {
                    let pid = self.pop()?;
                    let storage = persistent_storage(&pid)?;
                    self.push(Value::Storage(Rc::new(storage)))?;
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let v = reduce(&callable, &args)?;
                    self.push(v)?;
                }
                0x81 => {
                    let _args = self.pop()?;
                    let cls = self.pop()?;
                    let v = new_object(&cls)?;
                    self.push(v)?;
                }
                0x92 => {
                    let _kwargs = self.pop()?;
                    let _args = self.pop()?;
                    let cls = self.pop()?;
                    let v = new_object(&cls)?;
                    self.push(v)?;
                }
                b'b' => {
                    let state = self.pop()?;
                    build(self.top()?, state)?;
                }
                other => {
                    return Err(bad(format!(
                        "unsupported opcode 0x{other:02x} at byte {}",
                        self.pos - 1
                    )));
                }
            }
        }
    }
}

fn long_from_le(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Int(0);
    }
    if bytes.len() > 8 {
        return Value::BigInt;
    }
    let negative = bytes[bytes.len() - 1] & 0x80 != 0;
    let mut buf = if negative { [0xffu8; 8] } else { [0u8; 8] };
    buf[..bytes.len()].copy_from_slice(bytes);
    Value::Int(i64::from_le_bytes(buf))
}

fn pairs(items: Vec<Value>) -> Result<Vec<(Value, Value)>> {
    if !items.len().is_multiple_of(2) {
        return Err(bad("odd number of dict items"));
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

fn append(target: &Value, items: Vec<Value>) -> Result<()> {
    match target {
        Value::List(l) => {
            l.try_borrow_mut()
                .map_err(|_| bad("list is borrowed"))?
                .extend(items);
            Ok(())
        }
        // Appending to an opaque object (a custom list subclass) is ignored.
        Value::Object(_) => Ok(()),
        other => Err(bad(format!("APPEND to a {}", other.kind()))),
    }
}

fn set_items(target: &Value, items: Vec<(Value, Value)>) -> Result<()> {
    match target {
        Value::Dict(d) => {
            d.try_borrow_mut()
                .map_err(|_| bad("dict is borrowed"))?
                .extend(items);
            Ok(())
        }
        Value::Object(_) => Ok(()),
        other => Err(bad(format!("SETITEM on a {}", other.kind()))),
    }
}

fn new_object(cls: &Value) -> Result<Value> {
    match cls {
        Value::Global(class) => Ok(Value::Object(Rc::new(RefCell::new(Object {
            class: Rc::clone(class),
            state: None,
        })))),
        other => Err(bad(format!("NEWOBJ on a {}", other.kind()))),
    }
}

fn build(target: &Value, state: Value) -> Result<()> {
    match target {
        Value::Object(o) => {
            o.try_borrow_mut()
                .map_err(|_| bad("object is borrowed"))?
                .state = Some(state);
            Ok(())
        }
        // BUILD on an OrderedDict sets instance attributes (`_metadata`): not weights.
        Value::Dict(_) => Ok(()),
        other => Err(bad(format!("BUILD on a {}", other.kind()))),
    }
}

fn reduce(callable: &Value, args: &Value) -> Result<Value> {
    let Value::Global(g) = callable else {
        return Err(bad(format!("REDUCE calls a {}", callable.kind())));
    };
    match (g.0.as_str(), g.1.as_str()) {
        ("torch._utils", "_rebuild_tensor_v2" | "_rebuild_tensor") => rebuild_tensor(args),
        ("torch._utils", "_rebuild_parameter" | "_rebuild_parameter_with_state") => {
            let items = args.items("_rebuild_parameter arguments")?;
            match items.first() {
                Some(t @ Value::Tensor(_)) => Ok(t.clone()),
                _ => Err(bad("_rebuild_parameter without a tensor")),
            }
        }
        ("collections", "OrderedDict") | ("builtins", "dict") => {
            Ok(Value::Dict(Rc::new(RefCell::new(Vec::new()))))
        }
        _ => Ok(Value::Object(Rc::new(RefCell::new(Object {
            class: Rc::clone(g),
            state: None,
        })))),
    }
}

fn rebuild_tensor(args: &Value) -> Result<Value> {
    let items = args.items("_rebuild_tensor_v2 arguments")?;
    if items.len() < 4 {
        return Err(bad(
            "_rebuild_tensor_v2 needs (storage, offset, size, stride, …)",
        ));
    }
    let Value::Storage(storage) = &items[0] else {
        return Err(bad(format!(
            "_rebuild_tensor_v2 storage is a {}",
            items[0].kind()
        )));
    };
    let offset = items[1].as_usize("storage offset")?;
    let shape = items[2]
        .items("tensor size")?
        .iter()
        .map(|v| v.as_usize("dimension"))
        .collect::<Result<Vec<_>>>()?;
    let strides = items[3]
        .items("tensor stride")?
        .iter()
        .map(|v| v.as_usize("stride"))
        .collect::<Result<Vec<_>>>()?;
    if shape.len() != strides.len() {
        return Err(bad(format!(
            "tensor has {} dimensions but {} strides",
            shape.len(),
            strides.len()
        )));
    }
    Ok(Value::Tensor(Rc::new(TensorRef {
        storage: Rc::clone(storage),
        offset,
        shape,
        strides,
    })))
}

fn persistent_storage(pid: &Value) -> Result<StorageRef> {
    let items = pid.items("persistent id")?;
    let [tag, class, key, _location, numel, ..] = items.as_slice() else {
        return Err(bad(
            "persistent id is not (\"storage\", type, key, location, numel)",
        ));
    };
    if !matches!(tag, Value::Str(s) if &**s == "storage") {
        return Err(bad("persistent id does not name a storage"));
    }
    let Value::Global(class) = class else {
        return Err(bad("storage type is not a class"));
    };
    let dtype = StorageDtype::from_class(&class.1)
        .filter(|_| class.0 == "torch")
        .ok_or_else(|| bad(format!("unsupported storage type {}.{}", class.0, class.1)))?;
    let key = match key {
        Value::Str(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        other => return Err(bad(format!("storage key is a {}", other.kind()))),
    };
    if key.is_empty() || key.contains(['/', '\\']) || key.contains("..") {
        return Err(bad(format!("storage key {key:?} is not a plain name")));
    }
    Ok(StorageRef {
        key,
        dtype,
        numel: numel.as_usize("storage size")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_shares_mutable_containers_like_python() {
        // EMPTY_DICT, BINPUT 0, 'a' 1 SETITEM, BINGET 0, TUPLE2, STOP: both tuple items are the
        // same dict, which holds the item set after the put.
        let pickle = b"\x80\x02}q\x00X\x01\x00\x00\x00aK\x01sh\x00\x86.";
        let v = unpickle(pickle).unwrap();
        let Value::Tuple(t) = v else { panic!("tuple") };
        for item in t.iter() {
            let Value::Dict(d) = item else { panic!("dict") };
            assert_eq!(d.borrow().len(), 1);
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [
            &b""[..],
            b"\x80",
            b"\x80\x02.",
            b"h\x05.",
            b"t.",
            b"(\x85.",
            b"K\x01K\x02\x87.",
            b"\x8a\xff",
            b"X\xff\xff\xff\xff",
            b"c\xff\n\n.",
            b"\xfe",
            b"]K\x01s.",
            b"(K\x01u.",
            b"NQ.",
            b"N)R.",
        ] {
            assert!(unpickle(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn long1_is_sign_extended() {
        let v = unpickle(b"\x8a\x02\x00\xff.").unwrap();
        assert!(matches!(v, Value::Int(-256)));
        let v = unpickle(b"\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.").unwrap();
        assert!(matches!(v, Value::BigInt));
    }
}
