// Slack objects carry dozens of fields (icons in six sizes, enterprise flags); list tools
// keep what a person or model reads.
type Obj = Record<string, unknown>;
const sub = (o: unknown, k: string) => (o && typeof o === "object" ? (o as Obj)[k] : undefined);

export function slimChannel(c: unknown) {
  const o = c as Obj;
  return {
    id: o.id,
    name: o.name,
    is_private: o.is_private,
    is_archived: o.is_archived,
    is_member: o.is_member,
    num_members: o.num_members,
    topic: sub(o.topic, "value") || undefined,
    purpose: sub(o.purpose, "value") || undefined,
  };
}

export function slimMessage(m: unknown) {
  const o = m as Obj;
  return {
    ts: o.ts,
    user: o.user ?? o.bot_id,
    text: o.text,
    thread_ts: o.thread_ts,
    reply_count: o.reply_count,
    reactions: Array.isArray(o.reactions) ? o.reactions.map((r: Obj) => ({ name: r.name, count: r.count })) : undefined,
  };
}

export function slimUser(u: unknown) {
  const o = u as Obj;
  return {
    id: o.id,
    name: o.name,
    real_name: o.real_name ?? sub(o.profile, "real_name"),
    display_name: sub(o.profile, "display_name") || undefined,
    is_bot: o.is_bot,
    deleted: o.deleted,
    tz: o.tz,
  };
}
