//! The demo company (`switchboard-server demo`): operators in two groups, roles, four channel
//! accounts and ~2,000 conversations in several languages spread over the last 30 days. Loaded
//! in one transaction; a second run finds `admin@demo.test` and changes nothing.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use switchboard_protocol::{
    ChannelKind, Delivery, Id, Message, MessageKind, Permissions, ReadState,
};

use crate::auth::{hash_password, new_token};
use crate::error::{ApiError, ApiResult};
use crate::service::admin::{emit_channel, emit_group, emit_operator};
use crate::service::now_ms;
use crate::storage::operators::NewOperator;
use crate::storage::{
    channels, clients, companies, conversations, groups, messages, operators, read_states, roles,
    Db,
};

pub const ADMIN_EMAIL: &str = "admin@demo.test";
pub const PASSWORD: &str = "demo";
const CONVERSATIONS: usize = 2_000;

/// What `demo` prints.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    pub created: bool,
    pub company_id: Id,
    /// `(name, email, groups, role)` of every operator, the admin first.
    pub operators: Vec<(String, String, String, String)>,
    pub custom_channel_id: Id,
    /// Its `X-Channel-Secret`, random per database.
    pub custom_channel_secret: String,
}

struct DemoOperator {
    name: &'static str,
    email: &'static str,
    /// Indexes into the groups: 0 = 1st line, 1 = 2nd line.
    groups: &'static [usize],
    supervisor: bool,
}

const OPERATORS: &[DemoOperator] = &[
    DemoOperator {
        name: "Anna Petrova",
        email: "anna@demo.test",
        groups: &[0],
        supervisor: true,
    },
    DemoOperator {
        name: "Boris Ivanov",
        email: "boris@demo.test",
        groups: &[0],
        supervisor: false,
    },
    DemoOperator {
        name: "Carmen López",
        email: "carmen@demo.test",
        groups: &[0, 1],
        supervisor: false,
    },
    DemoOperator {
        name: "Dmitri Sokolov",
        email: "dmitri@demo.test",
        groups: &[1],
        supervisor: false,
    },
    DemoOperator {
        name: "Emma Schmidt",
        email: "emma@demo.test",
        groups: &[1],
        supervisor: false,
    },
    DemoOperator {
        name: "Felix Wagner",
        email: "felix@demo.test",
        groups: &[0],
        supervisor: false,
    },
    DemoOperator {
        name: "Olga Novak",
        email: "olga@demo.test",
        groups: &[],
        supervisor: false,
    },
];

/// One language's names and lines.
struct Lang {
    first: &'static [&'static str],
    last: &'static [&'static str],
    /// (client question, operator answer)
    pairs: &'static [(&'static str, &'static str)],
    follow_ups: &'static [&'static str],
    closings: &'static [&'static str],
}

const LANGS: &[Lang] = &[
    Lang {
        first: &["James", "Olivia", "Liam", "Emily", "Noah", "Sophie", "Michael", "Grace"],
        last: &["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clarke", "Walker", "Hughes"],
        pairs: &[
            ("Hi, my order #48213 hasn't arrived yet. Can you check?", "Hello! I've checked: your parcel left our warehouse yesterday and should arrive within 2 days."),
            ("How do I reset my password? The link in the email doesn't work.", "Sorry about that! I've sent you a new reset link, it is valid for 24 hours."),
            ("Can I change the delivery address for my order?", "Yes, please send me the new address and I'll update it before the courier picks it up."),
            ("I was charged twice for the same subscription.", "I can see the duplicate charge. I've issued a refund; it will appear on your card in 3-5 business days."),
            ("Do you ship to Canada?", "We do! Shipping to Canada takes 5-8 business days and costs $12."),
            ("The app crashes when I open the settings page.", "Thanks for reporting. Could you tell me your phone model and the app version?"),
            ("Is there a discount for annual plans?", "Yes, the annual plan saves you 20% compared to paying monthly."),
            ("I'd like to cancel my subscription.", "I've cancelled it; you keep access until the end of the current billing period."),
        ],
        follow_ups: &["Any news?", "Thanks, I'll wait.", "It's an iPhone 14, version 3.2.1.", "Great, here it is: 221B Baker Street, London.", "Could you hurry please?"],
        closings: &["Thank you so much!", "Perfect, that solved it.", "Got it, thanks!"],
    },
    Lang {
        first: &["Алексей", "Мария", "Иван", "Екатерина", "Дмитрий", "Ольга", "Сергей", "Наталья"],
        last: &["Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Морозов", "Волков", "Лебедев"],
        pairs: &[
            ("Здравствуйте! Где мой заказ? Жду уже неделю.", "Добрый день! Заказ передан в доставку, трек-номер отправил вам на почту."),
            ("Не могу войти в личный кабинет, пишет «неверный пароль».", "Сбросил пароль, проверьте почту — там ссылка для входа."),
            ("Можно оплатить заказ при получении?", "Да, оплата наличными или картой курьеру доступна."),
            ("Пришёл товар не того размера, как обменять?", "Оформил обмен, курьер заберёт товар завтра с 10 до 18."),
            ("Подскажите, когда будет в наличии синяя модель?", "Поставка ожидается на следующей неделе, могу сообщить, когда появится."),
            ("Списали деньги, а заказ не оформился.", "Платёж вернётся автоматически в течение 3 дней, приношу извинения."),
        ],
        follow_ups: &["Спасибо, жду.", "А можно побыстрее?", "Хорошо, а во сколько примерно?", "Вот номер заказа: 77312."],
        closings: &["Спасибо большое!", "Всё получилось, спасибо.", "Отлично, вопрос решён."],
    },
    Lang {
        first: &["Lucía", "Mateo", "Sofía", "Javier", "Valentina", "Diego", "Camila", "Pablo"],
        last: &["García", "Martínez", "Rodríguez", "Hernández", "López", "Sánchez", "Romero", "Torres"],
        pairs: &[
            ("Hola, ¿cuándo llega mi pedido?", "¡Hola! Tu pedido está en camino y llegará el jueves."),
            ("No puedo pagar con mi tarjeta, da error.", "Lo siento. ¿Puedes probar de nuevo? Hemos solucionado un problema con la pasarela de pago."),
            ("¿Tienen tienda física en Madrid?", "Sí, estamos en la calle Gran Vía 28, abierto de 10 a 21 h."),
            ("Quiero devolver un producto.", "Claro, te he enviado la etiqueta de devolución por correo."),
            ("¿La garantía cubre la batería?", "Sí, la batería tiene 2 años de garantía."),
        ],
        follow_ups: &["Gracias, espero.", "¿Y cuánto tarda el reembolso?", "Vale, lo intento otra vez."],
        closings: &["¡Muchas gracias!", "Perfecto, ya está.", "Genial, gracias por la ayuda."],
    },
    Lang {
        first: &["Lukas", "Anna", "Jonas", "Lea", "Maximilian", "Marie", "Paul", "Laura"],
        last: &["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Becker", "Hoffmann"],
        pairs: &[
            ("Guten Tag, meine Bestellung ist beschädigt angekommen.", "Das tut mir leid! Bitte schicken Sie uns ein Foto, dann senden wir Ersatz."),
            ("Wie kann ich meine Rechnungsadresse ändern?", "Ich habe die Adresse für Sie geändert. Die nächste Rechnung kommt an die neue Adresse."),
            ("Gibt es das Produkt auch in Schwarz?", "Ja, die schwarze Variante ist ab Lager lieferbar."),
            ("Ich habe mein Passwort vergessen.", "Ich habe Ihnen einen Link zum Zurücksetzen geschickt."),
            ("Wann wird meine Rückerstattung bearbeitet?", "Die Rückerstattung wurde heute angewiesen, sie dauert 3–5 Werktage."),
        ],
        follow_ups: &["Hier ist das Foto.", "Danke, ich warte.", "Wie lange dauert der Versand?"],
        closings: &["Vielen Dank!", "Super, hat geklappt.", "Danke für die schnelle Hilfe."],
    },
    Lang {
        first: &["João", "Ana", "Pedro", "Beatriz", "Lucas", "Mariana", "Gabriel", "Juliana"],
        last: &["Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida", "Ferreira"],
        pairs: &[
            ("Olá, meu pedido ainda não chegou.", "Olá! Verifiquei e o pedido será entregue amanhã."),
            ("Posso parcelar a compra?", "Sim, pode parcelar em até 6 vezes sem juros no cartão."),
            ("O aplicativo não abre no meu celular.", "Pode me dizer o modelo do celular e a versão do sistema?"),
            ("Quero trocar o tamanho da camiseta.", "Sem problemas, já gerei a etiqueta de troca e enviei por e-mail."),
        ],
        follow_ups: &["Obrigado, vou aguardar.", "É um Samsung A52, Android 13.", "Qual o prazo da troca?"],
        closings: &["Muito obrigado!", "Perfeito, resolvido.", "Valeu pela ajuda!"],
    },
    Lang {
        first: &["Camille", "Louis", "Chloé", "Hugo", "Manon", "Jules", "Inès", "Léo"],
        last: &["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"],
        pairs: &[
            ("Bonjour, je n'ai pas reçu ma facture.", "Bonjour ! Je viens de vous la renvoyer par e-mail."),
            ("Est-ce que vous livrez en Belgique ?", "Oui, la livraison en Belgique prend 3 à 4 jours ouvrés."),
            ("Mon colis est marqué livré mais je ne l'ai pas.", "Je lance une enquête auprès du transporteur et je reviens vers vous sous 48 h."),
        ],
        follow_ups: &["Merci, j'attends.", "D'accord, et pour le remboursement ?"],
        closings: &["Merci beaucoup !", "Parfait, c'est réglé."],
    },
];

const NOTES: &[&str] = &[
    "VIP client, handle with priority.",
    "Refund approved by billing, ticket #5521.",
    "Client asked to be contacted by email only.",
    "Клиент уже писал на прошлой неделе, см. историю.",
    "Escalated to the 2nd line: needs a technical check.",
    "Promised a callback tomorrow morning.",
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// Loads the demo company unless it is there already.
pub fn load(db: &Db) -> ApiResult<DemoOutcome> {
    if let Some(outcome) = existing(db)? {
        return Ok(outcome);
    }
    // Hashing is slow on purpose; do it once (every demo account has the same published
    // password, so a shared salt reveals nothing) and before taking the write lock.
    let hash = hash_password(PASSWORD).map_err(|e| ApiError::Internal(e.to_string()))?;
    db.write_blocking(|ctx| {
        // A concurrent `demo` may have won the race.
        if operators::email_exists(ctx.tx, ADMIN_EMAIL)? {
            return Ok(());
        }
        let now = now_ms();
        let tx = ctx.tx;
        let company_id = companies::insert(tx, "Demo Company", now)?;
        // Operators may send a conversation to email (within the whitelist); the supervisor
        // also reads the action log.
        let operator_role = roles::insert(
            tx,
            company_id,
            "Operator",
            &Permissions {
                download_conversations: true,
                ..Permissions::default()
            },
        )?;
        let supervisor_role = roles::insert(
            tx,
            company_id,
            "Supervisor",
            &Permissions {
                conversations_management: true,
                show_all_tab: true,
                view_analytics: true,
                view_action_log: true,
                download_conversations: true,
                ..Permissions::default()
            },
        )?;
        let group_ids = [
            groups::insert(tx, company_id, "1st line", "#3b82f6")?,
            groups::insert(tx, company_id, "2nd line", "#f97316")?,
        ];
        let admin_id = operators::insert(
            tx,
            &NewOperator {
                company_id,
                name: "Admin",
                email: ADMIN_EMAIL,
                password_hash: &hash,
                super_admin: true,
                role_id: None,
            },
            now,
        )?;
        let mut op_ids = Vec::new();
        for o in OPERATORS {
            let id = operators::insert(
                tx,
                &NewOperator {
                    company_id,
                    name: o.name,
                    email: o.email,
                    password_hash: &hash,
                    super_admin: false,
                    role_id: Some(if o.supervisor {
                        supervisor_role
                    } else {
                        operator_role
                    }),
                },
                now,
            )?;
            for g in o.groups {
                operators::add_to_group(tx, id, group_ids[*g])?;
            }
            op_ids.push(id);
        }
        // Secrets are random per database: a secret printed in the docs would open every demo
        // server's channels. The seeded draw stays, so the demo's data stays the same.
        let secret = |rng: &mut StdRng| {
            let _ = rng.gen::<u64>();
            new_token("demo-")
        };
        let mut rng = StdRng::seed_from_u64(0x5b0a2d);
        let channel_ids = [
            channels::insert(
                tx,
                company_id,
                ChannelKind::Telegram,
                "@DemoSupportBot",
                Some(group_ids[0]),
                Some(&secret(&mut rng)),
                now,
            )?,
            channels::insert(
                tx,
                company_id,
                ChannelKind::Whatsapp,
                "+1 555 0100",
                Some(group_ids[0]),
                Some(&secret(&mut rng)),
                now,
            )?,
            channels::insert(
                tx,
                company_id,
                ChannelKind::Email,
                "support@demo.test",
                Some(group_ids[1]),
                Some(&secret(&mut rng)),
                now,
            )?,
            channels::insert(
                tx,
                company_id,
                ChannelKind::Custom,
                "Website chat (custom app)",
                Some(group_ids[0]),
                Some(&new_token("demo-")),
                now,
            )?,
        ];
        // Directory records give the company a seq; conversations are picked up by snapshot.
        for op in operators::list(tx, company_id)? {
            emit_operator(ctx, company_id, &op, now)?;
        }
        for g in groups::list(tx, company_id)? {
            emit_group(ctx, company_id, &g, now)?;
        }
        for c in channels::list(tx, company_id)? {
            emit_channel(ctx, company_id, &c, now)?;
        }
        let members: Vec<Vec<Id>> = group_ids
            .iter()
            .enumerate()
            .map(|(gi, _)| {
                OPERATORS
                    .iter()
                    .zip(&op_ids)
                    .filter(|(o, _)| o.groups.contains(&gi))
                    .map(|(_, id)| *id)
                    .collect()
            })
            .collect();
        let ctx_ids = Ids {
            company_id,
            admin_id,
            op_ids,
            group_ids,
            channel_ids,
            members,
        };
        for i in 0..CONVERSATIONS {
            conversation(tx, &mut rng, &ctx_ids, i, now)?;
        }
        Ok(())
    })?;
    existing(db)?
        .ok_or_else(|| ApiError::Internal("demo company missing after load".into()))
        .map(|mut o| {
            o.created = true;
            o
        })
}

struct Ids {
    company_id: Id,
    admin_id: Id,
    op_ids: Vec<Id>,
    group_ids: [Id; 2],
    channel_ids: [Id; 4],
    /// Operators of each group.
    members: Vec<Vec<Id>>,
}

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

/// Creates one client with its conversation and history.
fn conversation(
    tx: &crate::storage::sql::Conn<'_>,
    rng: &mut StdRng,
    ids: &Ids,
    i: usize,
    now: i64,
) -> ApiResult<()> {
    use switchboard_protocol::{Client, Conversation, ConversationStatus};

    let lang = pick(rng, LANGS);
    let first = *pick(rng, lang.first);
    let last = *pick(rng, lang.last);
    let name = format!("{first} {}", surname_for(first, last));
    let roll: f64 = rng.gen();
    let (channel_idx, kind) = if roll < 0.35 {
        (0, ChannelKind::Telegram)
    } else if roll < 0.65 {
        (1, ChannelKind::Whatsapp)
    } else if roll < 0.9 {
        (2, ChannelKind::Email)
    } else {
        (3, ChannelKind::Custom)
    };
    let external_id = match kind {
        ChannelKind::Telegram => format!("{}", 300_000_000 + i * 7919),
        ChannelKind::Whatsapp => format!(
            "+{}{:09}",
            pick(rng, &[1, 7, 34, 49, 55, 33]),
            100_000_000 + i * 37
        ),
        ChannelKind::Email => format!("client{i}@mail.example"),
        _ => format!("visitor-{i}"),
    };
    let channel_id = ids.channel_ids[channel_idx];
    let home_group = if channel_idx == 2 { 1 } else { 0 };
    // Some conversations were escalated to the other line.
    let group_idx = if rng.gen_bool(0.08) {
        1 - home_group
    } else {
        home_group
    };
    let group_id = ids.group_ids[group_idx];
    let members = &ids.members[group_idx];
    let mut operator = *pick(rng, members);

    let s: f64 = rng.gen();
    let status = if s < 0.22 {
        ConversationStatus::Unassigned
    } else if s < 0.47 {
        ConversationStatus::Inbox
    } else {
        ConversationStatus::Closed
    };
    let start = now - rng.gen_range(30 * MINUTE..30 * DAY);
    let client_id = clients::insert(tx, ids.company_id, channel_id, &external_id, &name, start)?;
    if i % 200 == 17 {
        clients::set_blacklisted(tx, client_id, true)?;
    }
    let pinned = (i % 150 == 3).then(|| ids.op_ids[(i / 150) % 2]);
    if let Some(p) = pinned {
        clients::set_pinned_operator(tx, client_id, Some(p))?;
        // A pinned client's conversations are handled by the operator they are pinned to.
        operator = p;
    }
    let contact = demo_contact(kind, i, &external_id, first);
    clients::set_contact(tx, client_id, &contact)?;
    let client = Client {
        id: client_id,
        channel_account_id: channel_id,
        external_id,
        original_name: name.clone(),
        display_name: name,
        blacklisted: false,
        pinned_operator_id: pinned,
        created_at: start,
        contact,
        contact_hidden: false,
    };
    let mut conv = Conversation {
        id: 0,
        channel_account_id: channel_id,
        client,
        status,
        operator_id: None,
        group_id: Some(group_id),
        status_changed_at: start,
        closed_by: None,
        last_message_at: start,
        last_message_from_operator: false,
        last_message_preview: String::new(),
        last_client_message_id: None,
        created_at: start,
        updated_at: start,
    };
    conv.id = conversations::insert(tx, ids.company_id, &conv)?;

    // The script: who writes each message. Unassigned ones end with the client, closed ones
    // with the operator; inbox ones either way (so "not answered" has entries).
    // 3–14 scripted, plus possibly one closing message: 3–15 in all.
    let n = rng.gen_range(3..=14usize);
    let new_unassigned = status == ConversationStatus::Unassigned && rng.gen_bool(0.5);
    let mut script: Vec<MessageKind> = Vec::with_capacity(n + 1);
    for k in 0..n {
        let kind = if new_unassigned || k == 0 {
            MessageKind::Client
        } else if rng.gen_bool(0.08) {
            MessageKind::Note
        } else if script.last() == Some(&MessageKind::Client) {
            MessageKind::Operator
        } else {
            MessageKind::Client
        };
        script.push(kind);
        if new_unassigned && k >= 2 {
            break;
        }
    }
    let last_real = script
        .iter()
        .rev()
        .find(|k| **k != MessageKind::Note)
        .copied();
    match status {
        ConversationStatus::Unassigned if last_real != Some(MessageKind::Client) => {
            script.push(MessageKind::Client)
        }
        ConversationStatus::Closed if last_real != Some(MessageKind::Operator) => {
            script.push(MessageKind::Operator)
        }
        _ => {}
    }

    let span = (now - MINUTE - start).max(MINUTE);
    let step = (span / (script.len() as i64 + 1)).clamp(MINUTE / 2, 90 * MINUTE);
    let mut t = start;
    let (pair_q, pair_a) = *pick(rng, lang.pairs);
    let mut answered = false;
    let mut last_client_msg = None;
    let mut last_msg_id = 0;
    for (k, kind) in script.iter().enumerate() {
        t += rng.gen_range(step / 2..=step).max(1000);
        let text = match kind {
            MessageKind::Client if k == 0 => pair_q.to_string(),
            MessageKind::Client
                if k + 1 == script.len() && status == ConversationStatus::Closed =>
            {
                pick(rng, lang.closings).to_string()
            }
            MessageKind::Client => pick(rng, lang.follow_ups).to_string(),
            MessageKind::Operator if !answered => {
                answered = true;
                pair_a.to_string()
            }
            MessageKind::Operator => pick(
                rng,
                &[
                    "Let me check that for you.",
                    "Done! Anything else I can help with?",
                    "👍",
                    "Понял, сейчас уточню.",
                    "¡Listo!",
                    "Erledigt.",
                ],
            )
            .to_string(),
            _ => pick(rng, NOTES).to_string(),
        };
        let author = match kind {
            MessageKind::Client => None,
            _ => Some(operator),
        };
        let msg = messages::insert(
            tx,
            &Message {
                id: 0,
                conversation_id: conv.id,
                kind: *kind,
                text,
                operator_id: author,
                created_at: t,
                delivery: if *kind == MessageKind::Client {
                    Delivery::Delivered
                } else {
                    Delivery::Sent
                },
                client_msg_id: None,
                attachment: None,
                delivery_error: None,
            },
            None,
        )?;
        last_msg_id = msg.id;
        if *kind != MessageKind::Note {
            conv.last_message_at = t;
            conv.last_message_from_operator = *kind == MessageKind::Operator;
            conv.last_message_preview = crate::service::preview(&msg.text);
        }
        if *kind == MessageKind::Client {
            conv.last_client_message_id = Some(msg.id);
            last_client_msg = Some(msg.id);
            if status == ConversationStatus::Unassigned {
                // Unassigned shows when the status was set: the client's latest request.
                conv.status_changed_at = t;
            }
        } else if status == ConversationStatus::Inbox && !answered {
            conv.status_changed_at = t;
        }
    }
    match status {
        ConversationStatus::Unassigned => {
            if !new_unassigned {
                conv.operator_id = Some(operator);
            }
        }
        ConversationStatus::Inbox => {
            conv.operator_id = Some(operator);
            if conv.status_changed_at == start {
                conv.status_changed_at = start + step / 2;
            }
            if rng.gen_bool(0.6) {
                if let Some(m) = last_client_msg {
                    read_states::upsert(
                        tx,
                        &ReadState {
                            conversation_id: conv.id,
                            operator_id: operator,
                            last_read_message_id: m,
                        },
                    )?;
                }
            }
        }
        ConversationStatus::Closed => {
            conv.operator_id = Some(operator);
            conv.closed_by = Some(if rng.gen_bool(0.05) {
                ids.admin_id
            } else {
                operator
            });
            conv.status_changed_at = (t + rng.gen_range(MINUTE..30 * MINUTE)).min(now);
            read_states::upsert(
                tx,
                &ReadState {
                    conversation_id: conv.id,
                    operator_id: operator,
                    last_read_message_id: last_msg_id,
                },
            )?;
        }
    }
    conv.updated_at = conv.status_changed_at.max(t);
    conversations::update(tx, &conv)?;
    Ok(())
}

/// The demo company's credentials if it was loaded before.
fn existing(db: &Db) -> ApiResult<Option<DemoOutcome>> {
    db.read_blocking(|conn| {
        let Some((admin, _)) = operators::by_email(conn, ADMIN_EMAIL)? else {
            return Ok(None);
        };
        let company_id = admin.company_id;
        let group_names = groups::list(conn, company_id)?;
        let role_names = roles::list(conn, company_id)?;
        let ops = operators::list(conn, company_id)?
            .into_iter()
            .map(|o| {
                let gs = o
                    .group_ids
                    .iter()
                    .filter_map(|g| {
                        group_names
                            .iter()
                            .find(|x| x.id == *g)
                            .map(|x| x.name.clone())
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let role = if o.super_admin {
                    "super-admin".to_string()
                } else {
                    o.role_id
                        .and_then(|r| {
                            role_names
                                .iter()
                                .find(|x| x.id == r)
                                .map(|x| x.name.clone())
                        })
                        .unwrap_or_default()
                };
                (o.name, o.email, gs, role)
            })
            .collect();
        let custom = channels::list_records(conn, company_id)?
            .into_iter()
            .find(|c| c.account.kind == ChannelKind::Custom)
            .ok_or_else(|| ApiError::Internal("demo custom channel missing".into()))?;
        Ok(Some(DemoOutcome {
            created: false,
            company_id,
            operators: ops,
            custom_channel_id: custom.account.id,
            custom_channel_secret: custom.secret.unwrap_or_default(),
        }))
    })
}

/// Prints the credentials (the same on every run of one database).
pub fn print(o: &DemoOutcome) {
    println!("Demo company (id {}) is ready.", o.company_id);
    println!();
    println!("Super-admin:  {ADMIN_EMAIL} / {PASSWORD}");
    println!("Operators (password \"{PASSWORD}\" for all):");
    for (name, email, groups, role) in &o.operators {
        if email == ADMIN_EMAIL {
            continue;
        }
        let groups = if groups.is_empty() {
            "no group"
        } else {
            groups.as_str()
        };
        println!("  {email:<20} {name:<16} {groups:<20} {role}");
    }
    println!();
    println!(
        "Custom app channel: id {}  secret {}",
        o.custom_channel_id, o.custom_channel_secret
    );
    println!(
        "  POST /api/v1/channels/{}/inbound  with header X-Channel-Secret: {}",
        o.custom_channel_id, o.custom_channel_secret
    );
}

/// Russian surnames agree with the first name: "Наталья Попова", not "Наталья Попов".
/// What each kind of channel tells about a demo client: a Telegram username, a phone on
/// WhatsApp, an address (and often a phone from the signature) by email, both from a Custom app.
fn demo_contact(
    kind: ChannelKind,
    i: usize,
    external_id: &str,
    first: &str,
) -> switchboard_protocol::ClientContact {
    use switchboard_protocol::ClientContact;
    let handle = format!("{}{i}", first.to_lowercase());
    let phone = format!("+44 20 7946 {:04}", i % 10_000);
    match kind {
        ChannelKind::Telegram => ClientContact {
            username: Some(format!("@{handle}")),
            profile_url: Some(format!("https://t.me/{handle}")),
            ..ClientContact::default()
        },
        ChannelKind::Whatsapp => ClientContact {
            phone: Some(external_id.to_string()),
            ..ClientContact::default()
        },
        ChannelKind::Email => ClientContact {
            email: Some(external_id.to_string()),
            phone: i.is_multiple_of(2).then_some(phone),
            ..ClientContact::default()
        },
        _ => ClientContact {
            phone: Some(phone),
            email: Some(format!("{handle}@mail.example")),
            ..ClientContact::default()
        },
    }
}

fn surname_for(first: &str, last: &str) -> String {
    let feminine = first.ends_with('а') || first.ends_with('я');
    let declinable = ["ов", "ев", "ин"].iter().any(|end| last.ends_with(end));
    if feminine && declinable {
        format!("{last}а")
    } else {
        last.to_string()
    }
}

#[cfg(test)]
mod name_tests {
    use super::surname_for;

    #[test]
    fn russian_surnames_agree_with_the_first_name() {
        assert_eq!(surname_for("Наталья", "Попов"), "Попова");
        assert_eq!(surname_for("Мария", "Кузнецов"), "Кузнецова");
        assert_eq!(surname_for("Сергей", "Морозов"), "Морозов");
        assert_eq!(surname_for("Sofía", "García"), "García");
    }
}
