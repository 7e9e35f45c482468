//! A tiny real serenity 0.12.5 bot wired to the fake Discord, to prove the fake speaks Discord.
//!
//! It answers `!…` messages with `echo …` (one embed, a Refresh button, a reply reference),
//! `!eleven` with 11 embeds sent raw (serenity's builder would refuse them), `!huge` with two
//! 4000-character embeds (serenity checks only per embed), edits and deletes with notes, `/ping`
//! with an ephemeral "pong" then a followup and an edit, `/slow` by deferring then editing, and
//! the Refresh button by updating the message in place.

use std::time::Duration;

use serde_json::json;
use serenity::all::{
    ChannelId, ClientBuilder, Command, CommandInteraction, ComponentInteraction, Context,
    CreateActionRow, CreateAllowedMentions, CreateButton, CreateCommand, CreateEmbed,
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    CreateMessage, EditInteractionResponse, EventHandler, GatewayIntents, GuildId, HttpBuilder,
    Interaction, Message, MessageId, MessageUpdateEvent, Ready,
};
use serenity::async_trait;
use xalantis_fakes::discord::{FakeDiscord, Options};

/// The token the test bot presents.
pub const TOKEN: &str = "fake-bot-token";

/// A generous bound for anything the bot does.
pub const WAIT: Duration = Duration::from_secs(10);

/// Starts the fake with `options` and the test bot against it, and waits for READY.
pub async fn start_bot_with(options: Options) -> FakeDiscord {
    let fake = FakeDiscord::start_with(options).await;
    let http = HttpBuilder::new(TOKEN)
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .build();
    let intents = GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;
    let mut client = ClientBuilder::new_with_http(http, intents)
        .event_handler(TestBot)
        .await
        .expect("client");
    tokio::spawn(async move { client.start().await });
    fake.wait_ready(WAIT).await.expect("the bot identifies");
    fake
}

/// Starts with the default options.
pub async fn start_bot() -> FakeDiscord {
    start_bot_with(Options::default()).await
}

struct TestBot;

#[async_trait]
impl EventHandler for TestBot {
    async fn ready(&self, ctx: Context, _: Ready) {
        let ping = CreateCommand::new("ping").description("Answers pong");
        let slow = CreateCommand::new("slow").description("Defers, then answers");
        Command::set_global_commands(&ctx.http, vec![ping, slow])
            .await
            .expect("commands registered");
    }

    async fn message(&self, ctx: Context, message: Message) {
        if message.author.bot {
            return;
        }
        let result = match message.content.as_str() {
            "!eleven" => send_raw_embeds(&ctx, message.channel_id, 11).await,
            "!huge" => send(&ctx, message.channel_id, huge_message()).await,
            text if text.starts_with('!') => send(&ctx, message.channel_id, echo(&message)).await,
            _ => Ok(()),
        };
        let _ = result;
    }

    async fn message_update(
        &self,
        ctx: Context,
        _: Option<Message>,
        _: Option<Message>,
        event: MessageUpdateEvent,
    ) {
        let note = format!("edited: {}", event.content.unwrap_or_default());
        let _ = send(&ctx, event.channel_id, CreateMessage::new().content(note)).await;
    }

    async fn message_delete(
        &self,
        ctx: Context,
        channel: ChannelId,
        id: MessageId,
        _: Option<GuildId>,
    ) {
        let _ = send(
            &ctx,
            channel,
            CreateMessage::new().content(format!("deleted: {id}")),
        )
        .await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(command) if command.data.name == "slow" => {
                answer_slowly(&ctx, &command).await
            }
            Interaction::Command(command) => answer_ping(&ctx, &command).await,
            Interaction::Component(click) => refresh(&ctx, &click).await,
            _ => {}
        }
    }
}

async fn send(ctx: &Context, channel: ChannelId, message: CreateMessage) -> serenity::Result<()> {
    channel.send_message(&ctx.http, message).await.map(drop)
}

fn echo(message: &Message) -> CreateMessage {
    let button = CreateButton::new("refresh").label("Refresh");
    CreateMessage::new()
        .content(format!("echo {}", message.content))
        .embed(
            CreateEmbed::new()
                .title("Echo")
                .description(&message.content),
        )
        .components(vec![CreateActionRow::Buttons(vec![button])])
        .reference_message(message)
        .allowed_mentions(CreateAllowedMentions::new())
}

fn huge_message() -> CreateMessage {
    let embed = || CreateEmbed::new().description("x".repeat(4000));
    CreateMessage::new().embeds(vec![embed(), embed()])
}

async fn send_raw_embeds(ctx: &Context, channel: ChannelId, count: usize) -> serenity::Result<()> {
    let embeds: Vec<_> = (0..count)
        .map(|i| json!({"title": format!("#{i}")}))
        .collect();
    ctx.http
        .send_message(channel, vec![], &json!({"embeds": embeds}))
        .await
        .map(drop)
}

async fn answer_ping(ctx: &Context, command: &CommandInteraction) {
    let reply = CreateInteractionResponseMessage::new()
        .content("pong")
        .ephemeral(true);
    command
        .create_response(&ctx.http, CreateInteractionResponse::Message(reply))
        .await
        .expect("callback");
    let followup = CreateInteractionResponseFollowup::new().content("and more");
    command
        .create_followup(&ctx.http, followup)
        .await
        .expect("followup");
    command
        .edit_response(&ctx.http, EditInteractionResponse::new().content("pong!"))
        .await
        .expect("edit");
}

async fn answer_slowly(ctx: &Context, command: &CommandInteraction) {
    command.defer(&ctx.http).await.expect("deferred");
    let embed = CreateEmbed::new().title("Done");
    command
        .edit_response(&ctx.http, EditInteractionResponse::new().embed(embed))
        .await
        .expect("edit");
}

async fn refresh(ctx: &Context, click: &ComponentInteraction) {
    let update = CreateInteractionResponseMessage::new().content("refreshed");
    click
        .create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update))
        .await
        .expect("update");
}
