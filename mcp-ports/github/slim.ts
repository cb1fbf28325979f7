// GitHub list answers repeat a dozen *_url fields per item; a list tool keeps the fields a
// person or model reads, and the single-item tools return everything.
type Obj = Record<string, unknown>;

const login = (u: unknown) => (u && typeof u === "object" ? (u as Obj).login : undefined);
const names = (xs: unknown) => (Array.isArray(xs) ? xs.map((x) => (typeof x === "string" ? x : (x as Obj)?.name ?? login(x))) : undefined);

export function slimRepo(r: unknown) {
  const o = r as Obj;
  return {
    full_name: o.full_name,
    description: o.description,
    private: o.private,
    fork: o.fork,
    archived: o.archived,
    default_branch: o.default_branch,
    language: o.language,
    stargazers_count: o.stargazers_count,
    open_issues_count: o.open_issues_count,
    pushed_at: o.pushed_at,
    html_url: o.html_url,
  };
}

export function slimIssue(i: unknown) {
  const o = i as Obj;
  return {
    number: o.number,
    title: o.title,
    state: o.state,
    user: login(o.user),
    labels: names(o.labels),
    assignees: names(o.assignees),
    comments: o.comments,
    created_at: o.created_at,
    updated_at: o.updated_at,
    is_pull_request: o.pull_request !== undefined,
    html_url: o.html_url,
  };
}

export function slimPull(p: unknown) {
  const o = p as Obj;
  const ref = (b: unknown) => (b && typeof b === "object" ? (b as Obj).label : undefined);
  return {
    number: o.number,
    title: o.title,
    state: o.state,
    draft: o.draft,
    user: login(o.user),
    head: ref(o.head),
    base: ref(o.base),
    created_at: o.created_at,
    updated_at: o.updated_at,
    merged_at: o.merged_at,
    html_url: o.html_url,
  };
}
