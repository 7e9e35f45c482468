//! Slash commands and buttons: `/ticket`, `/ticket-settings`, Refresh, Details and Delete.
//! Every answer carries `allowed_mentions` with nothing allowed; problems are ephemeral. The
//! first answer to an interaction is sent again after a 429 (`first_answer`).

use std::time::Duration;

use serenity::all::{
    CommandInteraction, ComponentInteraction, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, EditInteractionResponse,
    Http, Interaction, InteractionId, Permissions,
};
use serenity::builder::Builder;

use super::bindings::Binding;
use super::commands::{settings, ticket};
use super::live::fingerprint;
use super::render::embeds_for_details;
use super::reply::{
    DELETE_PREFIX, DETAILS_ID, REFRESH_ID, card_message, delete_owner, no_pings, owner_in,
    tickets_in_embeds,
};
use super::retry::{INTERACTION_POLICY, with_policy};
use super::shared::Shared;
use crate::bot::TicketAnswer;
use crate::lookup::Freshness;
use crate::store::PLATFORM_DISCORD;
use crate::telemetry::metrics::ReplyKind;

/// A `/ticket` lookup still running after this long is deferred (Discord allows 3 s).
pub const DEFER_AFTER: Duration = Duration::from_secs(2);

impl Shared {
    /// Routes an interaction to its command or button.
    pub async fn on_interaction(&self, http: &Http, interaction: &Interaction) {
        let result = match interaction {
            Interaction::Command(command) if command.data.name == ticket::NAME => {
                self.on_ticket_command(http, command).await
            }
            Interaction::Command(command) if command.data.name == settings::NAME => {
                self.on_settings_command(http, command).await
            }
            Interaction::Component(click) => match click.data.custom_id.as_str() {
                REFRESH_ID => self.on_refresh(http, click).await,
                DETAILS_ID => self.on_details(http, click).await,
                id if id.starts_with(DELETE_PREFIX) => self.on_delete(http, click).await,
                _ => return,
            },
            _ => return,
        };
        self.count_reply(ReplyKind::Interaction, &result);
        if let Err(error) = result {
            tracing::warn!(%error, "could not answer an interaction");
        }
    }

    async fn on_ticket_command(
        &self,
        http: &Http,
        command: &CommandInteraction,
    ) -> serenity::Result<()> {
        let invocation = ticket::invocation(command);
        let answer = self.bot.answer(&invocation.id);
        tokio::pin!(answer);
        let early = tokio::select! {
            answer = &mut answer => Some(answer),
            () = tokio::time::sleep(DEFER_AFTER) => None,
        };
        let owner = (!invocation.private).then(|| command.user.id.get());
        match early {
            Some(answer) => respond_now(http, command, &answer, owner).await,
            None => respond_deferred(http, command, answer, owner).await,
        }
    }

    async fn on_settings_command(
        &self,
        http: &Http,
        command: &CommandInteraction,
    ) -> serenity::Result<()> {
        let may_manage = command
            .member
            .as_ref()
            .and_then(|m| m.permissions)
            .is_some_and(Permissions::manage_guild);
        let text = if may_manage {
            self.settings_reply(command)
        } else {
            "Only members who can manage this server can change the ticket settings.".to_owned()
        };
        ephemeral(http, command.id, &command.token, &text).await
    }

    fn settings_reply(&self, command: &CommandInteraction) -> String {
        let guild = command.guild_id.map(|g| g.to_string());
        let channel = command.channel_id.to_string();
        let layers = || {
            self.settings
                .layers(PLATFORM_DISCORD, guild.as_deref(), &channel)
        };
        match settings::invocation(command) {
            Err(problem) => problem.to_string(),
            Ok(settings::Invocation::Show(_)) => {
                settings::settings_text(command.channel_id, &layers())
            }
            Ok(settings::Invocation::Set(change)) => {
                self.settings.apply(&change);
                settings::updated_text(&change, command.channel_id, &layers())
            }
        }
    }

    async fn on_refresh(&self, http: &Http, click: &ComponentInteraction) -> serenity::Result<()> {
        let ack = CreateInteractionResponse::Acknowledge;
        first_answer(http, click.id, &click.token, ack).await?;
        let ids = tickets_in_embeds(self.bot.detector(), &click.message.embeds);
        let wanted = ids.len();
        let effective = self.effective(
            click.guild_id.map(serenity::all::GuildId::get),
            click.channel_id.get(),
        );
        let mentions: Vec<_> = ids
            .into_iter()
            .map(|id| crate::detect::Mention {
                id,
                via_link: false,
            })
            .collect();
        let cards = self
            .bot
            .cards_showing(&mentions, Freshness::Fresh, effective.requester)
            .await;
        if cards.len() != wanted || cards.is_empty() {
            let note = "Could not refresh these tickets right now; the card is unchanged.";
            let followup = CreateInteractionResponseFollowup::new()
                .content(note)
                .ephemeral(true)
                .allowed_mentions(no_pings());
            return click.create_followup(http, followup).await.map(drop);
        }
        let body = card_message(&cards, owner_in(&click.message), effective.compact);
        let edit = EditInteractionResponse::new()
            .embeds(body.embeds)
            .components(body.components)
            .allowed_mentions(no_pings());
        click.edit_response(http, edit).await?;
        self.note_refreshed(click.message.id.get(), &cards);
        Ok(())
    }

    /// Keeps a bound card's fingerprint current, so live refresh doesn't edit it again.
    fn note_refreshed(&self, reply_id: u64, cards: &[crate::card::Card]) {
        let Some(source) = self.bindings.source_of(reply_id) else {
            return;
        };
        let Some(binding) = self.bindings.get(source) else {
            return;
        };
        let tickets = cards.iter().map(|c| c.uuid.clone()).collect();
        self.bindings.bind(
            source,
            Binding {
                tickets,
                fingerprint: fingerprint(cards),
                ..binding
            },
        );
    }

    async fn on_details(&self, http: &Http, click: &ComponentInteraction) -> serenity::Result<()> {
        let defer = CreateInteractionResponseMessage::new().ephemeral(true);
        let defer = CreateInteractionResponse::Defer(defer);
        first_answer(http, click.id, &click.token, defer).await?;
        let ids = tickets_in_embeds(self.bot.detector(), &click.message.embeds);
        let details = self.bot.details_for_ids(ids).await;
        let edit = if details.is_empty() {
            EditInteractionResponse::new().content("Could not load the details right now.")
        } else {
            let embeds = embeds_for_details(&details)
                .iter()
                .map(super::reply::to_serenity_embed)
                .collect();
            EditInteractionResponse::new().embeds(embeds)
        };
        click
            .edit_response(http, edit.allowed_mentions(no_pings()))
            .await
            .map(drop)
    }

    async fn on_delete(&self, http: &Http, click: &ComponentInteraction) -> serenity::Result<()> {
        let owner = delete_owner(&click.data.custom_id);
        let moderator = click
            .member
            .as_ref()
            .and_then(|m| m.permissions)
            .is_some_and(Permissions::manage_messages);
        if owner != Some(click.user.id.get()) && !moderator {
            let text = "Only the person who asked for this card, or members who can manage messages, can remove it.";
            return ephemeral(http, click.id, &click.token, text).await;
        }
        let ack = CreateInteractionResponse::Acknowledge;
        first_answer(http, click.id, &click.token, ack).await?;
        click.message.delete(http).await?;
        if let Some(source) = self.bindings.source_of(click.message.id.get())
            && let Some(binding) = self.bindings.get(source)
        {
            self.bindings.bind(
                source,
                Binding {
                    reply_id: None,
                    ..binding
                },
            );
        }
        Ok(())
    }
}

/// Sends the first answer to interaction `id` (its callback): again after a 429, within
/// [`INTERACTION_POLICY`], and never after a 5xx, so Discord never gets two answers to one
/// interaction. The last error once the budget is spent; the caller logs it.
async fn first_answer(
    http: &Http,
    id: InteractionId,
    token: &str,
    response: CreateInteractionResponse,
) -> serenity::Result<()> {
    with_policy(&INTERACTION_POLICY, || {
        response.clone().execute(http, (id, token))
    })
    .await
}

/// Answers an interaction with an ephemeral text.
async fn ephemeral(
    http: &Http,
    id: InteractionId,
    token: &str,
    text: &str,
) -> serenity::Result<()> {
    let message = CreateInteractionResponseMessage::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(no_pings());
    first_answer(http, id, token, CreateInteractionResponse::Message(message)).await
}

/// The interaction response for an answer ready within Discord's 3 seconds.
async fn respond_now(
    http: &Http,
    command: &CommandInteraction,
    answer: &TicketAnswer,
    owner: Option<u64>,
) -> serenity::Result<()> {
    let message = match (answer, ticket::problem_text(answer)) {
        (TicketAnswer::Found(card), _) => {
            let body = card_message(std::slice::from_ref(card.as_ref()), owner, false);
            CreateInteractionResponseMessage::new()
                .embeds(body.embeds)
                .components(body.components)
                .ephemeral(owner.is_none())
        }
        (_, text) => CreateInteractionResponseMessage::new()
            .content(text.unwrap_or_default())
            .ephemeral(true),
    };
    let response = CreateInteractionResponse::Message(message.allowed_mentions(no_pings()));
    first_answer(http, command.id, &command.token, response).await
}

/// Defers, then completes the answer. A problem after a public defer replaces the public
/// placeholder with an ephemeral note, so errors are only ever shown to the person who asked.
async fn respond_deferred(
    http: &Http,
    command: &CommandInteraction,
    answer: impl Future<Output = TicketAnswer>,
    owner: Option<u64>,
) -> serenity::Result<()> {
    let private = owner.is_none();
    let defer = CreateInteractionResponseMessage::new().ephemeral(private);
    let defer = CreateInteractionResponse::Defer(defer);
    first_answer(http, command.id, &command.token, defer).await?;
    let answer = answer.await;
    if let TicketAnswer::Found(card) = &answer {
        let body = card_message(std::slice::from_ref(card.as_ref()), owner, false);
        let edit = EditInteractionResponse::new()
            .embeds(body.embeds)
            .components(body.components)
            .allowed_mentions(no_pings());
        return command.edit_response(http, edit).await.map(drop);
    }
    let text = ticket::problem_text(&answer).unwrap_or_default();
    if private {
        let edit = EditInteractionResponse::new()
            .content(text)
            .allowed_mentions(no_pings());
        return command.edit_response(http, edit).await.map(drop);
    }
    command.delete_response(http).await?;
    let followup = CreateInteractionResponseFollowup::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(no_pings());
    command.create_followup(http, followup).await.map(drop)
}
