// greenkommon serve: the page. Every change posts the settings to /api/evaluate and redraws.
// Plain script, no library, nothing loaded from outside this server.
"use strict";

const T = {
  fr: {
    title: "Greenkommon : qui gagne quoi ?", scenario: "Scénario", upload_scenario: "Charger un scénario…",
    computing: "calcul…", participants: "Qui participe", plant: "Centrale", plant_size: "Puissance crête",
    key: "Clé de répartition", key_prorata: "Clé par défaut Enedis (au prorata)",
    key_static: "Statique (parts de consommation)", key_opt_static: "Optimisée statique",
    key_opt_dynamic: "Optimisée dynamique", fairness: "Équité :", fair_no_loss: "personne ne perd",
    fair_vs_prorata: "au moins le prorata", fair_maxmin: "maximiser le plus petit gain",
    prices: "Prix", internal_price: "Prix interne", accise: "Accise sur l'énergie partagée (cas contesté)",
    accise_no: "pas d'exonération", accise_yes: "exonérée (0 €/MWh)", accise_until: "exonérée jusqu'à la fin annoncée de la mesure",
    escalation: "Hausse des prix du réseau (cas de référence)", surplus: "Surplus",
    surplus_price: "vendu au prix ci-dessous", surplus_s21: "obligation d'achat (S21)", surplus_lost: "perdu",
    surplus_aos: "appel d'offres simplifié (20 ans), puis marché", surplus_market: "vente directe au marché (agrégateur)",
    surplus_price_label: "Prix du surplus", finance: "Investissement", capex: "Coût d'investissement",
    loan: "Emprunt", loan_rate: "Taux", downloads: "Téléchargements", dl_scenario: "Scénario (TOML)",
    dl_report: "Rapport HTML", dl_workbook: "Classeur Excel", dl_key: "Fichiers de clé Enedis",
    venues_h: "Chaque lieu : facture avec et sans l'opération", collective_h: "Le collectif",
    producer_h: "Le producteur", eligibility_h: "Éligibilité", monthly_h: "Énergie par mois", key_h: "La clé",
    plan_h: "Configurations classées",
    plan_button: "Chercher les meilleures configurations éligibles", rank: "Rang", configuration: "Configuration",
    collective_npv: "VAN collective [€]", price_suggested: "Prix interne suggéré [€/kWh]",
    footer: "Calculs locaux : rien n'est envoyé sur internet.",
    load_curve: "courbe Enedis…", load_loaded: "courbe chargée",
    venue: "Lieu", bill_without: "Facture sans [€/an]", bill_with: "Facture avec [€/an]",
    savings: "Économie [€/an]", savings_life: "Économie sur {years} ans [€]", self_suff: "Autonomie [%]",
    share: "Part de la production [%]", npv: "VAN [€]", total: "Total",
    production: "Production", consumption: "Consommation", allocated: "Énergie partagée",
    surplus_kwh: "Surplus", self_consumption: "Autoconsommation", self_sufficiency: "Autonomie",
    capex_total: "Investissement", loan_amount: "Emprunt", lcoe: "Coût du kWh produit (LCOE)",
    internal_revenue: "Ventes aux lieux", surplus_revenue: "Ventes du surplus",
    project_npv: "VAN du projet", project_irr: "TRI du projet", per_year: "/an",
    go: "GO", nogo: "NO-GO", eligible: "Éligible", not_eligible: "Non éligible",
    elig_line: "{rule} : {max} km entre les deux points les plus éloignés (limite {limit} km).",
    coefficient: "Coefficient [%]", key_share: "Part de la production reçue [%]",
    esc_case: "{rate} %/an", error_prefix: "Erreur : ", lang_other: "English",
    operation: "Opération", operation_h: "Opération « {name} »", no_operation: "hors opération",
    own_roof: "toit propre", producer_of: "Producteur", finance_portfolio: "Le financement se règle par opération dans le fichier du scénario.",
    case_flat: "prix stables",
  },
  en: {
    title: "Greenkommon: who gains what?", scenario: "Scenario", upload_scenario: "Upload a scenario…",
    computing: "computing…", participants: "Who joins", plant: "Plant", plant_size: "Peak power",
    key: "Sharing key", key_prorata: "Enedis default key (pro rata)",
    key_static: "Static (consumption shares)", key_opt_static: "Optimised static",
    key_opt_dynamic: "Optimised dynamic", fairness: "Fairness:", fair_no_loss: "nobody loses",
    fair_vs_prorata: "at least pro rata", fair_maxmin: "maximise the smallest gain",
    prices: "Prices", internal_price: "Internal price", accise: "Accise on shared energy (contested case)",
    accise_no: "no exemption", accise_yes: "exempt (0 €/MWh)", accise_until: "exempt until the measure's reported end",
    escalation: "Grid price escalation (reference case)", surplus: "Surplus",
    surplus_price: "sold at the price below", surplus_s21: "purchase obligation (S21)", surplus_lost: "lost",
    surplus_aos: "simplified tender (20 yr), then market", surplus_market: "direct market sale (aggregator)",
    surplus_price_label: "Surplus price", finance: "Investment", capex: "Investment cost",
    loan: "Loan", loan_rate: "Rate", downloads: "Downloads", dl_scenario: "Scenario (TOML)",
    dl_report: "HTML report", dl_workbook: "Excel workbook", dl_key: "Enedis key files",
    venues_h: "Each venue: bill with and without the operation", collective_h: "The collective",
    producer_h: "The producer", eligibility_h: "Eligibility", monthly_h: "Energy per month", key_h: "The key",
    plan_h: "Ranked configurations",
    plan_button: "Find the best eligible configurations", rank: "Rank", configuration: "Configuration",
    collective_npv: "Collective NPV [€]", price_suggested: "Suggested internal price [€/kWh]",
    footer: "Computed locally: nothing is sent to the internet.",
    load_curve: "Enedis curve…", load_loaded: "curve loaded",
    venue: "Venue", bill_without: "Bill without [€/yr]", bill_with: "Bill with [€/yr]",
    savings: "Savings [€/yr]", savings_life: "Savings over {years} yr [€]", self_suff: "Self-sufficiency [%]",
    share: "Share of production [%]", npv: "NPV [€]", total: "Total",
    production: "Production", consumption: "Consumption", allocated: "Shared energy",
    surplus_kwh: "Surplus", self_consumption: "Self-consumption", self_sufficiency: "Self-sufficiency",
    capex_total: "Investment", loan_amount: "Loan", lcoe: "Cost of a produced kWh (LCOE)",
    internal_revenue: "Sales to the venues", surplus_revenue: "Surplus sales",
    project_npv: "Project NPV", project_irr: "Project IRR", per_year: "/yr",
    go: "GO", nogo: "NO-GO", eligible: "Eligible", not_eligible: "Not eligible",
    elig_line: "{rule}: {max} km between the two farthest points (limit {limit} km).",
    coefficient: "Coefficient [%]", key_share: "Share of the production received [%]",
    esc_case: "{rate} %/yr", error_prefix: "Error: ", lang_other: "Français",
    operation: "Operation", operation_h: "Operation “{name}”", no_operation: "no operation",
    own_roof: "own roof", producer_of: "Producer", finance_portfolio: "Financing is set per operation in the scenario file.",
    case_flat: "flat prices",
  },
};

const state = {
  lang: new URLSearchParams(location.search).get("lang") === "en" ? "en" : "fr",
  scenario: null,      // file name or upload token
  base: null,          // settings of the scenario as read (from the first answer)
  set: {},             // what the user changed: dotted path -> value (sent on every request)
  loanPct: null,       // loan as a share of the investment [%]
  last: null,          // last answer
  seq: 0,
};

const $ = (id) => document.getElementById(id);
const tr = (key, fields) => {
  let s = (T[state.lang][key] ?? key);
  for (const [k, v] of Object.entries(fields || {})) s = s.replaceAll("{" + k + "}", v);
  return s;
};
const nf = (digits) => new Intl.NumberFormat(state.lang === "fr" ? "fr-FR" : "en-GB",
  {minimumFractionDigits: digits, maximumFractionDigits: digits});
const fmt = (x, digits = 0) => (x === null || x === undefined) ? "–" : nf(digits).format(x);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function translatePage() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-t]").forEach((e) => { e.textContent = tr(e.dataset.t); });
  $("lang").textContent = tr("lang_other");
  document.title = tr("title");
}

function showError(message) {
  const box = $("error");
  box.hidden = !message;
  box.textContent = message ? tr("error_prefix") + message : "";
}

async function post(url, body, accept) {
  const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                              body: JSON.stringify(body)});
  if (!r.ok) {
    let msg = r.status + " " + r.statusText;
    try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return accept === "blob" ? r.blob() : r.json();
}

function body() { return {scenario: state.scenario, set: state.set}; }

let timer = null;
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(evaluate, 120);
}

async function evaluate() {
  const seq = ++state.seq;
  $("busy").hidden = false;
  try {
    const data = await post("/api/evaluate", body());
    if (seq !== state.seq) return;  // a newer change is on its way
    showError("");
    state.last = data;
    if (state.base === null) { state.base = data.settings; initControls(); }
    render(data);
    plot(seq);
  } catch (e) {
    if (seq === state.seq) showError(e.message);
  } finally {
    if (seq === state.seq) $("busy").hidden = true;
  }
}

async function plot(seq) {
  try {
    const blob = await post("/api/monthly.svg?lang=" + state.lang, body(), "blob");
    if (seq !== state.seq) return;
    const img = $("monthly");
    const old = img.src;
    img.src = URL.createObjectURL(blob);
    img.alt = tr("monthly_h");
    if (old.startsWith("blob:")) URL.revokeObjectURL(old);
  } catch (e) {
    if (seq === state.seq) showError(e.message);
  }
}

// ---- controls ------------------------------------------------------------------------------
const portfolio = () => state.base.operations.length > 0;

function setValue(path, value) {
  state.set[path] = value;
  schedule();
}

function financing() {
  // one operation: the loan is a share of the investment, the venues' equity follows the plant size
  if (portfolio()) { schedule(); return; }
  const base = state.base, kwp = $("kwp-0").valueAsNumber;
  const capexPerKwp = $("capex").valueAsNumber;
  const factor = kwp / base["plant.peak_power_kwp"];
  const equity = {};
  let equityTotal = 0;
  for (const [name, eur] of Object.entries(base["finance.equity_eur"] || {})) {
    equity[name] = Math.round(eur * factor * 100) / 100;
    equityTotal += equity[name];
  }
  const capex = capexPerKwp * kwp;
  const maxPct = capex > 0 ? Math.max(0, Math.floor(100 * (1 - equityTotal / capex))) : 0;
  $("loan").max = maxPct;
  const pct = Math.min(state.loanPct, maxPct);
  const loan = Math.round(capex * pct) / 100;
  $("loan-out").textContent = fmt(loan);
  $("loan-pct").textContent = fmt(pct);
  state.set["finance.capex_eur_per_kwp"] = capexPerKwp;
  state.set["finance.loan_amount_eur"] = loan;
  if (Object.keys(equity).length) state.set["finance.equity_eur"] = equity;
  schedule();
}

function keyPaths(field) {
  // the key of the scenario, or of each of its operations
  return portfolio() ? state.base.operations.map((o) => `operations.${o.name}.key.${field}`) : [`key.${field}`];
}

function keyChanged() {
  const v = $("key").value;
  const optimised = v.startsWith("optimised");
  $("fairness").hidden = !optimised;
  for (const p of [...keyPaths("type"), "optimise.model", "optimise.fairness"]) delete state.set[p];
  for (const p of keyPaths("type")) state.set[p] = optimised ? "optimised" : v;
  if (optimised) {
    state.set["optimise.model"] = v.endsWith("dynamic") ? "dynamic" : "static";
    state.set["optimise.fairness"] = [...$("fairness").querySelectorAll("input:checked")].map((i) => i.value);
  }
  schedule();
}

function slider(id, min, max, step, value) {
  const s = el("input");
  s.type = "range";
  s.id = id;
  s.min = min; s.max = max; s.step = step;
  s.value = value;
  return s;
}

function renderPlants() {
  // one slider per shared roof (the whole plant of a one-operation scenario)
  const box = $("plants");
  box.replaceChildren();
  const plants = portfolio() ? state.base.plants
    : [{name: null, peak_power_kwp: state.base["plant.peak_power_kwp"]}];
  plants.forEach((p, i) => {
    const path = p.name === null ? "plant.peak_power_kwp" : `plants.${p.name}.peak_power_kwp`;
    const value = state.set[path] ?? p.peak_power_kwp;
    const label = el("label");
    label.htmlFor = `kwp-${i}`;
    const out = el("output", fmt(value));
    label.append((p.name ? p.name + " : " : tr("plant_size") + " : "), out, state.lang === "fr" ? " kWc" : " kWp");
    const s = slider(`kwp-${i}`, 10, Math.max(1200, Math.ceil(p.peak_power_kwp * 2.5 / 10) * 10), 10, value);
    s.addEventListener("input", () => {
      out.textContent = fmt(s.valueAsNumber);
      state.set[path] = s.valueAsNumber;
      financing();
    });
    box.append(label, s);
  });
}

function initControls() {
  const b = state.base;
  renderPlants();
  const first = b.operations.length ? null : b;
  const keyType0 = first ? b["key.type"] : state.last.operations[0]?.key.type;
  const keyType = keyType0 === "optimised"
    ? (b["optimise.model"] === "dynamic" ? "optimised-dynamic" : "optimised-static")
    : keyType0;
  $("key").value = [...$("key").options].some((o) => o.value === keyType) ? keyType : "prorata";
  $("fairness").hidden = !$("key").value.startsWith("optimised");
  const fair = b["optimise.fairness"] || [];
  $("fairness").querySelectorAll("input").forEach((i) => { i.checked = fair.includes(i.value); });
  $("price").value = b["prices.internal_price_eur_per_kwh"] ?? 0.1;
  $("price-out").textContent = fmt($("price").valueAsNumber, 3);
  $("accise").value = b["prices.accise_exemption"] ??
    (b["prices.accise_exemption_acc"] === true ? "applies" : "does_not_apply");
  $("surplus").value = b["prices.surplus_sale"] || "price";
  $("surplus-price").value = b["prices.surplus_price_eur_per_kwh"] ?? 0;
  $("surplus-price-out").textContent = fmt($("surplus-price").valueAsNumber, 3);
  const esc = $("escalation");
  esc.replaceChildren();
  const fin = state.last.operations.find((o) => o.finance)?.finance;
  for (const c of fin ? fin.escalation_cases : []) {
    const o = el("option");
    o.value = c.case;
    o.dataset.rate = c.rate_per_year;
    esc.append(o);
    if (c.case === fin.reference_case) esc.value = o.value;
  }
  initEscalationLabels();
  $("finance-controls").hidden = portfolio();
  if (!portfolio()) {
    const producer = state.last.operations[0].producer;
    const kwp = b["plant.peak_power_kwp"];
    const capexPerKwp = b["finance.capex_eur_per_kwp"] ?? producer.capex_eur / kwp;
    $("capex").value = capexPerKwp;
    $("capex-out").textContent = fmt(capexPerKwp);
    const capex = producer.capex_eur;
    state.loanPct = capex > 0 ? 100 * (b["finance.loan_amount_eur"] || 0) / capex : 0;
    $("loan").value = Math.round(state.loanPct);
    $("loan-out").textContent = fmt(b["finance.loan_amount_eur"] || 0);
    $("loan-pct").textContent = fmt(state.loanPct);
    $("loan-rate").value = b["finance.loan_rate"] ?? 0;
    $("loan-rate-out").textContent = fmt(100 * $("loan-rate").valueAsNumber, 2);
  }
  renderMembers();
}

function loadCurveControl(name) {
  const file = el("label", undefined, "file small");
  const status = el("span", state.set[`venues.${name}.load`] ? tr("load_loaded") : tr("load_curve"));
  const input = el("input");
  input.type = "file";
  input.accept = ".csv,.txt,.xlsx";
  input.addEventListener("change", async () => {
    const f = input.files[0];
    if (!f) return;
    try {
      const token = await upload(f, "load");
      state.set[`venues.${name}.load`] = {load_file: token};
      status.textContent = tr("load_loaded");
      schedule();
    } catch (e) { showError(e.message); }
    input.value = "";
  });
  file.append(status, input);
  return file;
}

function membersOf(op) {
  return state.set[`operations.${op.name}.venues`] ?? op.venues;
}

function renderMembers() {
  const box = $("members");
  box.replaceChildren();
  const ops = state.base.operations;
  for (const name of state.base.venues) {
    const row = el("div", undefined, "member");
    const who = el("div");
    if (!ops.length) {
      const label = el("label");
      const cb = el("input");
      cb.type = "checkbox";
      cb.checked = state.set[`venues.${name}.remove`] !== true;
      cb.dataset.venue = name;
      cb.addEventListener("change", () => {
        if (cb.checked) delete state.set[`venues.${name}.remove`];
        else state.set[`venues.${name}.remove`] = true;
        schedule();
      });
      label.append(cb, " " + name);
      who.append(label);
    } else {
      // one operation per venue at most: a choice among the operations, or none
      const label = el("label", name + " ");
      const sel = el("select");
      sel.dataset.venue = name;
      const none = el("option", tr("no_operation"));
      none.value = "";
      sel.append(none);
      for (const op of ops) {
        const o = el("option", op.name);
        o.value = op.name;
        sel.append(o);
        if (membersOf(op).includes(name)) sel.value = op.name;
      }
      sel.addEventListener("change", () => {
        for (const op of ops) {
          const members = membersOf(op).filter((v) => v !== name);
          if (op.name === sel.value) members.push(name);
          state.set[`operations.${op.name}.venues`] = members;
        }
        schedule();
      });
      label.append(sel);
      who.append(label);
    }
    row.append(who, loadCurveControl(name));
    box.append(row);
  }
}

async function upload(file, kind) {
  const url = `/api/upload?kind=${kind}&filename=${encodeURIComponent(file.name)}`;
  const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/octet-stream"}, body: file});
  const data = await r.json().catch(() => ({error: r.status + " " + r.statusText}));
  if (!r.ok) throw new Error(data.error);
  return data.token;
}

// ---- results -------------------------------------------------------------------------------
function render(d) {
  const dec = d.decision;
  $("verdict").textContent = dec.go ? tr("go") : tr("nogo");
  $("decision").className = dec.go ? "go" : "nogo";
  // the decision line of `greenkommon run`, in the page's language
  $("sentence").textContent = (state.lang === "fr" ? dec.sentence_fr : dec.sentence_en)
    .replace(/^(NO-GO|GO)( \([^)]*\))? ?: ?/, "");
  renderVenues(d);
  renderCards(d);
  renderKey(d);
}

function renderVenues(d) {
  const several = d.operations.length > 1 || d.venues.some((v) => v.operation === null);
  const years = d.operations.find((o) => o.finance)?.finance.lifetime_years ?? "–";
  const cols = [
    ["bill_without", "bill_without_eur_per_year", 0], ["bill_with", "bill_with_eur_per_year", 0],
    ["savings", "savings_eur_per_year", 0], ["savings_life", "savings_over_life_eur", 0],
    ["self_suff", "self_sufficiency_pct", 1], ["share", "share_of_production_pct", 1], ["npv", "npv_eur", 0],
  ];
  const head = el("tr");
  head.append(el("th", tr("venue")));
  if (several) head.append(el("th", tr("operation")));
  for (const [label] of cols) head.append(el("th", tr(label, {years})));
  $("venues").tHead.replaceChildren(head);
  const tbody = $("venues").tBodies[0];
  tbody.replaceChildren();
  for (const v of d.venues) {
    const row = el("tr");
    row.dataset.venue = v.name;
    row.append(el("th", v.name));
    if (several) {
      const own = v.own_production_kwh_per_year > 0 ? " + " + tr("own_roof") : "";
      row.append(el("td", (v.operation ?? tr("no_operation")) + own, "text"));
    }
    for (const [, field, digits] of cols) {
      const td = el("td", fmt(v[field], digits), field.startsWith("savings") && v[field] < 0 ? "neg" : undefined);
      td.dataset.field = field;
      row.append(td);
    }
    tbody.append(row);
  }
  const c = d.collective;
  const foot = el("tr");
  foot.append(el("th", tr("total")));
  if (several) foot.append(el("td", ""));
  const totals = {bill_without_eur_per_year: c.bill_without_eur_per_year, bill_with_eur_per_year: c.bill_with_eur_per_year,
                  savings_eur_per_year: c.savings_eur_per_year, savings_over_life_eur: c.savings_over_life_eur,
                  self_sufficiency_pct: c.self_sufficiency_pct};
  for (const [, field, digits] of cols) {
    const td = el("td", field in totals ? fmt(totals[field], digits) : "");
    td.dataset.field = field;
    foot.append(td);
  }
  $("venues").tFoot.replaceChildren(foot);
}

function dl(box, rows) {
  box.replaceChildren();
  for (const [label, value, id] of rows) {
    const dd = el("dd", value);
    if (id) dd.id = id;
    box.append(el("dt", label), dd);
  }
  return box;
}

function renderCards(d) {
  const c = d.collective, py = tr("per_year"), kwpUnit = state.lang === "fr" ? " kWc" : " kWp";
  dl($("collective"), [
    [tr("plant_size"), fmt(c.peak_power_kwp) + kwpUnit, "c-kwp"],
    [tr("production"), fmt(c.production_kwh_per_year / 1000, 1) + " MWh" + py, "c-production"],
    [tr("consumption"), fmt(c.consumption_kwh_per_year / 1000, 1) + " MWh" + py],
    [tr("allocated"), fmt(c.allocated_kwh_per_year / 1000, 1) + " MWh" + py, "c-allocated"],
    [tr("surplus_kwh"), fmt(c.surplus_kwh_per_year / 1000, 1) + " MWh" + py],
    [tr("self_consumption"), fmt(c.self_consumption_pct, 1) + " %"],
    [tr("self_sufficiency"), fmt(c.self_sufficiency_pct, 1) + " %"],
    [tr("savings").replace(" [€/an]", "").replace(" [€/yr]", ""), fmt(c.savings_eur_per_year) + " €" + py, "c-savings"],
  ]);
  const cards = $("cards");
  while (cards.children.length > 1) cards.lastChild.remove();
  d.operations.forEach((op, i) => {
    const card = el("div", undefined, "card operation");
    card.dataset.operation = op.name;
    card.append(el("h3", d.operations.length > 1 ? tr("operation_h", {name: op.name}) : tr("producer_h")));
    const p = op.producer;
    if (p) {
      card.append(dl(el("dl"), [
        [tr("plant_size"), fmt(op.peak_power_kwp) + kwpUnit],
        [tr("capex_total"), fmt(p.capex_eur) + " €"],
        [tr("loan_amount"), fmt(p.loan_amount_eur) + " €"],
        [tr("internal_price"), fmt(op.internal_price_eur_per_kwh, 3) + " €/kWh"],
        [tr("lcoe"), fmt(p.lcoe_eur_per_kwh, 3) + " €/kWh"],
        [tr("internal_revenue"), fmt(p.internal_revenue_eur_per_year) + " €" + py],
        [tr("surplus_revenue"), fmt(p.surplus_revenue_eur_per_year) + " €" + py],
        [tr("project_npv"), fmt(p.project_npv_eur) + " €", `p-npv-${i}`],
        [tr("project_irr"), p.project_irr_pct === null ? "–" : fmt(p.project_irr_pct, 1) + " %"],
      ]));
    }
    const e = op.eligibility;
    const verdict = el("p", (e.eligible ? tr("eligible") : tr("not_eligible")) + ". " +
      tr("elig_line", {rule: e.rule, max: fmt(e.max_distance_km, 2), limit: e.limit_km === null ? "–" : fmt(e.limit_km, 1)}),
      e.eligible ? "ok" : "bad");
    verdict.classList.add("elig");
    card.append(el("h4", tr("eligibility_h")), verdict);
    const table = el("table", undefined, "distances");
    const tbody = el("tbody");
    for (const row of e.distances_km) {
      const r = el("tr", undefined, e.limit_km !== null && row.distance_km > e.limit_km ? "bad" : undefined);
      r.append(el("td", row.from), el("td", row.to), el("td", fmt(row.distance_km, 2) + " km"));
      tbody.append(r);
    }
    table.append(tbody);
    card.append(table);
    cards.append(card);
  });
}

function renderKey(d) {
  const t = $("keytable");
  const head = el("tr");
  head.append(el("th", tr("venue")));
  const several = d.operations.length > 1;
  if (several) head.append(el("th", tr("operation")));
  const anyCoeffs = d.operations.some((o) => o.key.coefficients_pct);
  if (anyCoeffs) head.append(el("th", tr("coefficient")));
  head.append(el("th", tr("key_share")));
  t.tHead.replaceChildren(head);
  t.tBodies[0].replaceChildren();
  for (const op of d.operations) {
    for (const name of op.venues) {
      const v = d.venues.find((x) => x.name === name);
      const row = el("tr");
      row.append(el("th", name));
      if (several) row.append(el("td", op.name, "text"));
      if (anyCoeffs) row.append(el("td", op.key.coefficients_pct ? fmt(op.key.coefficients_pct[name], 2) : "–"));
      row.append(el("td", fmt(v.share_of_production_pct, 2)));
      t.tBodies[0].append(row);
    }
  }
}

// ---- plan ----------------------------------------------------------------------------------
async function plan() {
  $("plan-busy").hidden = false;
  $("plan-button").disabled = true;
  try {
    const p = await post("/api/plan?lang=" + state.lang, body());
    $("plan-answer").textContent = p.answer;
    const t = $("plan");
    const head = el("tr");
    for (const k of ["rank", "configuration", "collective_npv", "price_suggested"]) head.append(el("th", tr(k)));
    t.tHead.replaceChildren(head);
    t.tBodies[0].replaceChildren();
    for (const c of p.configurations) {
      const row = el("tr");
      row.append(el("td", String(c.rank)), el("td", c.label, "text"), el("td", fmt(c.collective_npv_eur)));
      row.append(el("td", c.operations.map((o) => fmt(o.price_corridor_eur_per_kwh.suggested, 3)).join(" / ")));
      t.tBodies[0].append(row);
    }
  } catch (e) { showError(e.message); }
  finally {
    $("plan-busy").hidden = true;
    $("plan-button").disabled = false;
  }
}

// ---- downloads, scenario picker, language --------------------------------------------------
async function download(what) {
  // a report or workbook per operation; the scenario and the key files cover them all
  const ops = state.last && ["report.html", "workbook.xlsx"].includes(what) ? state.last.operations : [null];
  for (const op of ops) {
    try {
      const q = `lang=${state.lang}` + (op && ops.length > 1 ? `&operation=${encodeURIComponent(op.name)}` : "");
      const blob = await post(`/api/download/${what}?${q}`, body(), "blob");
      const a = el("a");
      a.href = URL.createObjectURL(blob);
      const stem = (state.scenario.startsWith("upload:") ? "upload" : state.scenario.replace(/\.toml$/, ""));
      const part = op && ops.length > 1 ? "-" + op.name.replace(/[^\p{L}\p{N}]+/gu, "-") : "";
      a.download = what === "scenario.toml" ? `${stem}-page.toml` : `${stem}${part}-${what}`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    } catch (e) { showError(e.message); }
  }
}

function chooseScenario(name) {
  $("plan-answer").textContent = "";
  $("plan").tHead.replaceChildren();
  $("plan").tBodies[0].replaceChildren();
  state.scenario = name;
  state.base = null;
  state.set = {};
  evaluate();
}

async function start() {
  translatePage();
  const r = await fetch("/api/scenarios");
  const data = await r.json();
  const sel = $("scenario");
  for (const s of data.scenarios) {
    const o = el("option", s.name);
    o.value = s.file;
    o.title = s.description;
    sel.append(o);
  }
  sel.value = data.default;
  sel.addEventListener("change", () => chooseScenario(sel.value));
  $("upload-scenario").addEventListener("change", async (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    try {
      const token = await upload(f, "scenario");
      const o = el("option", f.name);
      o.value = token;
      sel.append(o);
      sel.value = token;
      chooseScenario(token);
    } catch (e) { showError(e.message); }
    ev.target.value = "";
  });
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "fr" ? "en" : "fr";
    translatePage();
    if (state.last) { render(state.last); plot(state.seq); renderMembers(); renderPlants(); initEscalationLabels(); }
    if ($("plan-answer").textContent) plan();  // the plan's sentences come in the page's language
  });
  $("key").addEventListener("change", keyChanged);
  $("fairness").addEventListener("change", keyChanged);
  $("price").addEventListener("input", () => {
    $("price-out").textContent = fmt($("price").valueAsNumber, 3);
    setValue("prices.internal_price_eur_per_kwh", $("price").valueAsNumber);
  });
  $("accise").addEventListener("change", () => {
    delete state.set["prices.accise_exemption_acc"];
    setValue("prices.accise_exemption", $("accise").value);
  });
  $("escalation").addEventListener("change", () => setValue("finance.headline_case", $("escalation").value));
  $("surplus").addEventListener("change", () => setValue("prices.surplus_sale", $("surplus").value));
  $("surplus-price").addEventListener("input", () => {
    $("surplus-price-out").textContent = fmt($("surplus-price").valueAsNumber, 3);
    setValue("prices.surplus_price_eur_per_kwh", $("surplus-price").valueAsNumber);
  });
  $("capex").addEventListener("input", () => {
    $("capex-out").textContent = fmt($("capex").valueAsNumber);
    financing();
  });
  $("loan").addEventListener("input", () => { state.loanPct = $("loan").valueAsNumber; financing(); });
  $("loan-rate").addEventListener("input", () => {
    $("loan-rate-out").textContent = fmt(100 * $("loan-rate").valueAsNumber, 2);
    setValue("finance.loan_rate", $("loan-rate").valueAsNumber);
  });
  $("plan-button").addEventListener("click", plan);
  document.querySelectorAll("[data-download]").forEach((b) =>
    b.addEventListener("click", () => download(b.dataset.download)));
  chooseScenario(data.default);
}

function initEscalationLabels() {
  for (const o of $("escalation").options) {
    const rate = Number(o.dataset.rate);
    o.textContent = rate === 0 ? tr("case_flat") : tr("esc_case", {rate: (rate > 0 ? "+" : "") + fmt(rate * 100, 1)});
  }
}

document.addEventListener("DOMContentLoaded", () => { start().catch((e) => showError(e.message)); });
