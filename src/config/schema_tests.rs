//! `schema/jaunt.schema.json` and the reader agree: every key [`Settings`]
//! accepts is in the schema and every key in the schema is accepted, with
//! the same free-form tables and the same enum values; the version rules
//! of [`MOVED_IN_V2`] are in the schema too. The reader's keys are not
//! listed by hand: they are read off its serde tables by deserializing
//! them from [`Probe`], which records what each table asks for.

use super::{MOVED_IN_V2, Provider, Settings};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Error = de::value::Error;

/// What the reader's tables asked for, by dotted path ("" is the root).
#[derive(Default)]
struct Found {
    /// A table and the keys it accepts.
    tables: BTreeMap<String, BTreeSet<String>>,
    /// Tables taking any keys.
    free: BTreeSet<String>,
    /// Enums and their values.
    enums: BTreeMap<String, BTreeSet<String>>,
}

/// A deserializer that walks down `path` one key at a time and records the
/// shape asked for at its end. Everything else is an error, which stops
/// the deserialization after the recording.
struct Probe<'a> {
    path: &'a [String],
    depth: usize,
    found: &'a RefCell<Found>,
}

impl Probe<'_> {
    fn here(&self) -> String {
        self.path[..self.depth].join(".")
    }

    fn at_end(&self) -> bool {
        self.depth == self.path.len()
    }

    fn stop<T>(&self) -> Result<T, Error> {
        Err(de::Error::custom(format!("probed {}", self.here())))
    }
}

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        self.stop()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if self.at_end() {
            let keys = fields.iter().map(|f| f.to_string()).collect();
            self.found.borrow_mut().tables.insert(self.here(), keys);
            return self.stop();
        }
        visitor.visit_map(OneKey {
            probe: Some(Probe {
                depth: self.depth + 1,
                ..self
            }),
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        if self.at_end() {
            self.found.borrow_mut().free.insert(self.here());
        }
        self.stop()
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Error> {
        if self.at_end() {
            let values = variants.iter().map(|v| v.to_string()).collect();
            self.found.borrow_mut().enums.insert(self.here(), values);
        }
        self.stop()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct identifier ignored_any
    }
}

/// A table holding only the next key of the probe's path.
struct OneKey<'a> {
    probe: Option<Probe<'a>>,
}

impl<'de> MapAccess<'de> for OneKey<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match &self.probe {
            Some(p) => {
                let key: de::value::StringDeserializer<Error> =
                    p.path[p.depth - 1].clone().into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(self.probe.take().expect("a value follows its key"))
    }
}

/// Every table, free table and enum [`Settings`] reads, from the root down.
fn reader() -> Found {
    let found = RefCell::new(Found::default());
    let mut todo: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(path) = todo.pop() {
        let _ = Settings::deserialize(Probe {
            path: &path,
            depth: 0,
            found: &found,
        });
        let keys = found.borrow().tables.get(&path.join(".")).cloned();
        for key in keys.into_iter().flatten() {
            let mut next = path.clone();
            next.push(key);
            todo.push(next);
        }
    }
    found.into_inner()
}

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/jaunt.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The same shapes, read off the schema's `properties`.
fn described(node: &Value, path: &str, found: &mut Found) {
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        found
            .tables
            .insert(path.to_owned(), props.keys().cloned().collect());
        for (key, sub) in props {
            let sub_path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            described(sub, &sub_path, found);
        }
    } else if node["type"] == "object" {
        found.free.insert(path.to_owned());
    }
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        let values = values
            .iter()
            .map(|v| v.to_string().trim_matches('"').to_owned());
        found.enums.insert(path.to_owned(), values.collect());
    }
}

/// Every dotted key of a set of tables.
fn keys(found: &Found) -> BTreeSet<String> {
    found
        .tables
        .iter()
        .flat_map(|(table, keys)| {
            keys.iter().map(move |k| match table.as_str() {
                "" => k.clone(),
                t => format!("{t}.{k}"),
            })
        })
        .collect()
}

#[test]
fn every_key_the_reader_accepts_is_in_the_schema_and_back() {
    let read = reader();
    assert!(
        keys(&read).contains("llm.anthropic_thinking_budget_tokens")
            && keys(&read).contains("context.search.max_hits")
            && keys(&read).contains("prompts.py.build_module"),
        "the probe reaches nested tables: {:?}",
        keys(&read)
    );
    let mut schema_found = Found::default();
    described(&schema(), "", &mut schema_found);
    let (reader_keys, schema_keys) = (keys(&read), keys(&schema_found));
    let missing: Vec<_> = reader_keys.difference(&schema_keys).collect();
    let extra: Vec<_> = schema_keys.difference(&reader_keys).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "schema/jaunt.schema.json lacks {missing:?} and has keys the reader rejects: {extra:?}"
    );
    assert_eq!(schema_found.free, read.free, "tables taking any keys");
    for (path, values) in &read.enums {
        assert_eq!(
            schema_found.enums.get(path),
            Some(values),
            "values of {path}"
        );
    }
    let providers: BTreeSet<String> = Provider::ALL.iter().map(|p| p.as_str().into()).collect();
    assert_eq!(schema_found.enums.get("llm.provider"), Some(&providers));
}

/// Draft 7, which TOML language servers (taplo) understand.
fn validator() -> jsonschema::Validator {
    let schema = schema();
    jsonschema::draft7::meta::validate(&schema).expect("a valid draft 7 schema");
    jsonschema::draft7::new(&schema).expect("the schema compiles")
}

fn toml_as_json(text: &str) -> Value {
    toml_edit::de::from_str(text).unwrap()
}

#[test]
fn the_projects_configurations_are_valid_under_the_schema() {
    let v = validator();
    for (name, text) in [
        ("example", include_str!("../../examples/shop/jaunt.toml")),
        (
            "1.7 v1",
            include_str!("../../tests/fixtures/jaunt-1.7/jaunt.toml"),
        ),
        (
            "1.7 v2",
            include_str!("../../tests/fixtures/jaunt-1.7/jaunt-v2.toml"),
        ),
    ] {
        super::Config::parse(text, Path::new("jaunt.toml"), PathBuf::from("/p"))
            .unwrap_or_else(|e| panic!("{name}: the reader rejects it: {e}"));
        let errors: Vec<String> = v
            .iter_errors(&toml_as_json(text))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn the_schema_rejects_what_the_reader_rejects() {
    let v = validator();
    let rejects = |text: &str| {
        assert!(
            !v.is_valid(&toml_as_json(text)),
            "the schema accepts:\n{text}"
        );
    };
    rejects("[paths]\nsource_roots = [\"src\"]\n");
    rejects("version = 3\n");
    rejects("version = 1\n[llm]\nmodle = \"x\"\n");
    rejects("version = 1\n[llm]\nprovider = \"gemini\"\n");
    rejects("version = 1\n[build]\njobs = 0\n");
    rejects("version = 1\n[build]\njobs = 257\n");
    rejects("version = 1\n[paths]\ngenerated_dir = \"not-an-identifier\"\n");
    rejects("version = 1\n[target.py]\nsource_roots = [\"src\"]\n");
    rejects("version = 1\n[prompts.py]\nbuild_module = \"p.md\"\n");
    rejects("version = 2\n[target.ts]\nsource_roots = [\"web\"]\n");
    for (v1, _) in MOVED_IN_V2 {
        let (table, key) = v1.split_at(v1.len() - 1);
        let text = format!("version = 2\n[{}]\n{} = 1\n", table.join("."), key[0]);
        rejects(&text);
    }
}
