use std::time::Instant;
use futures::StreamExt;
use serde_json::json;
use tokio_tungstenite::connect_async;
use futures::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use xalantis_fakes::discord::{Channel, FakeDiscord, User, check_dispatch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn ceiling() {
    let fake = FakeDiscord::start().await;
    let (mut ws, _) = connect_async(format!("{}?v=10", fake.gateway_url())).await.unwrap();
    ws.next().await;
    ws.send(Message::text(json!({"op":2,"d":{"token":"Bot t"}}).to_string())).await.unwrap();
    ws.next().await;
    let template = xalantis_fakes_template();
    check_dispatch("MESSAGE_CREATE", &template).unwrap();
    let text = template.to_string();
    let n = 200_000;
    let start = Instant::now();
    let ds: Vec<String> = (0..n).map(|i| text.replace("\"id\":\"1\"", &format!("\"id\":\"{}\"", i + 1))).collect();
    let built = start.elapsed();
    let start = Instant::now();
    fake.dispatch_raw_many("MESSAGE_CREATE", ds);
    let dispatched = start.elapsed();
    let mut got = 0;
    while got < n { if let Some(Ok(_)) = ws.next().await { got += 1; } }
    let all = start.elapsed();
    println!("build {built:?} dispatch {dispatched:?} received {all:?} => {:.0} ev/s", n as f64 / all.as_secs_f64());
    let _ = Channel::Dm(1);
}

fn xalantis_fakes_template() -> serde_json::Value {
    let mut m = json!({"id":"1"});
    let full = xalantis_fakes::discord::FakeDiscord::start; let _ = full;
    let u = User::human(5, "ann");
    m = json!({"id":"1","channel_id":"2","author":u.to_json(),"content":"hello there no mention","timestamp":"2024-01-01T00:00:00+00:00","tts":false,"mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],"embeds":[],"pinned":false,"type":0, "guild_id":"3"});
    m
}
