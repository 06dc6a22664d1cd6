//! The one in-process HTTP test server: a loopback stand-in for the model
//! providers' wire formats and the PyPI JSON API. It answers each request on
//! its own thread with `respond(index, request)`, records every request, and
//! tracks the most it was answering at once. Its threads end with the test
//! process.

use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers, after `delay`.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }
}

type Respond = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

#[derive(Default)]
struct State {
    seen: Mutex<Vec<Seen>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

pub struct Server {
    port: u16,
    state: Arc<State>,
}

impl Server {
    pub fn start(respond: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Server {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("bind loopback");
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let state = Arc::new(State::default());
        let respond: Arc<Respond> = Arc::new(respond);
        let shared = state.clone();
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let (state, respond) = (shared.clone(), respond.clone());
                std::thread::spawn(move || answer(request, &state, respond.as_ref()));
            }
        });
        Server { port, state }
    }

    /// A server that is not there: a loopback port nothing listens on.
    pub fn unreachable() -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind loopback")
            .local_addr()
            .expect("address")
            .port();
        Server {
            port,
            state: Arc::default(),
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("lock").clone()
    }

    /// Takes the paths requested so far.
    pub fn take_paths(&self) -> Vec<String> {
        std::mem::take(&mut *self.state.seen.lock().expect("lock"))
            .into_iter()
            .map(|s| s.path)
            .collect()
    }

    /// The most requests it was answering at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

fn answer(mut request: tiny_http::Request, state: &State, respond: &Respond) {
    let mut body = Vec::new();
    if request.as_reader().read_to_end(&mut body).is_err() {
        return;
    }
    let seen = Seen {
        path: request.url().to_string(),
        headers: request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_lowercase(),
                    h.value.to_string(),
                )
            })
            .collect(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let index = {
        let mut all = state.seen.lock().expect("lock");
        all.push(seen.clone());
        all.len() - 1
    };
    let reply = respond(index, &seen);
    std::thread::sleep(reply.delay);
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut response = tiny_http::Response::from_string(reply.body)
        .with_status_code(reply.status)
        .with_header(header("Content-Type", "application/json"));
    for (name, value) in &reply.headers {
        response.add_header(header(name, value));
    }
    let _ = request.respond(response);
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}
