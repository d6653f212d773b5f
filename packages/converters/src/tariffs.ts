/**
 * Tariffs module: Tariff between OCPI 2.1.1, 2.2.1 and 2.3.0.
 *
 * - 2.1.1 → 2.2.1: `country_code`/`party_id` come from the `owner` context; a time of day `24:00` becomes `00:00`
 *   (end of day); times and dates 2.2.1's patterns reject are dropped; EnvironmentalImpact `source` is renamed
 *   `category`.
 * - 2.2.1 → 2.1.1: dropped are `country_code`, `party_id`, `type`, `min_price`, `max_price`, `start_date_time`,
 *   `end_date_time`, every PriceComponent `vat`, the restrictions `min_current`/`max_current`, and whole elements
 *   that price a reservation (2.1.1 would apply them to charging); non-ASCII text is transliterated.
 * - 2.2.1 → 2.3.0: `min_price`/`max_price` fields are renamed (`excl_vat` → `before_taxes`, `incl_vat` →
 *   `after_taxes`); `tax_included` comes from the context, by default `NO` (2.2.1 prices exclude VAT); with `YES`
 *   every price that has a `vat` is raised by it.
 * - 2.3.0 → 2.2.1: `preauthorize_amount` and `tax_included` are dropped; with `tax_included: YES` every price that has
 *   a `vat` is brought back to its amount excluding VAT; environmental impacts of categories 2.2.1 lacks are dropped.
 */
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { done, Notes, type Conversion, type Owner } from "./conversion.js";
import { chain, cloneJson, DECOMPOSED_ASCII, displayTextDown, ENVIRONMENTAL_IMPACT_CATEGORIES_221, fitAscii, isIn } from "./shared.js";

/** What a 2.3.0 Tariff made from a 2.2.1 one says about taxes unless told otherwise: 2.2.1 prices exclude VAT. */
export const DEFAULT_TAX_INCLUDED: V230.TaxIncluded = "NO";

/** What a 2.1.1 Tariff lacks that 2.2.1 requires: its owner. */
export interface TariffV211ToV221Context {
  /** The CPO owning the tariff: fills `country_code` and `party_id`. */
  owner: Owner;
}

/** For a 2.2.1 Tariff going to 2.3.0, which says whether its prices include taxes. */
export interface TariffV221ToV230Context {
  /** Whether the 2.3.0 prices include taxes; {@link DEFAULT_TAX_INCLUDED} if absent. With `YES` VAT is added. */
  tax_included?: V230.TaxIncluded;
}

/** Both steps' contexts: the owner, and optionally `tax_included`. */
export interface TariffV211ToV230Context extends TariffV211ToV221Context, TariffV221ToV230Context {}

/**
 * 2.1.1 Tariff as 2.2.1: owner from the context; a restriction time `24:00` becomes `00:00`, times and dates 2.2.1
 * rejects are dropped; EnvironmentalImpact `source` renamed `category`.
 */
export function tariffV211ToV221(tariff: V211.Tariff, context: TariffV211ToV221Context): Conversion<V221.Tariff> {
  const notes = new Notes();
  return done(tariffUp(cloneJson(tariff), context.owner, notes), notes);
}

/** Throws a RangeError when every element prices a reservation (2.1.1 has no such pricing). */
export function tariffV221ToV211(tariff: V221.Tariff): Conversion<V211.Tariff> {
  const notes = new Notes();
  return done(tariffDown(cloneJson(tariff), notes), notes);
}

/**
 * 2.2.1 Tariff as 2.3.0: `min_price`/`max_price` as `before_taxes`/`after_taxes`; `tax_included` from the context, by
 * default `NO`; with `YES` every price with a `vat` is raised by it.
 */
export function tariffV221ToV230(tariff: V221.Tariff, context: TariffV221ToV230Context = {}): Conversion<V230.Tariff> {
  const notes = new Notes();
  return done(tariffTo230(cloneJson(tariff), context.tax_included, notes), notes);
}

/**
 * 2.3.0 Tariff as 2.2.1: `preauthorize_amount` and `tax_included` dropped (with `YES`, VAT taken off every price with a
 * `vat`); price limits renamed back; impact categories 2.2.1 lacks dropped.
 */
export function tariffV230ToV221(tariff: V230.Tariff): Conversion<V221.Tariff> {
  const notes = new Notes();
  return done(tariffFrom230(cloneJson(tariff), notes), notes);
}

/** 2.1.1 Tariff as 2.3.0, through 2.2.1: owner and `tax_included` from the context. */
export function tariffV211ToV230(tariff: V211.Tariff, context: TariffV211ToV230Context): Conversion<V230.Tariff> {
  return chain(tariffV211ToV221(tariff, context), (t) => tariffV221ToV230(t, context));
}

/** 2.3.0 Tariff as 2.1.1, through 2.2.1. Throws a RangeError when every element prices a reservation. */
export function tariffV230ToV211(tariff: V230.Tariff): Conversion<V211.Tariff> {
  return chain(tariffV230ToV221(tariff), tariffV221ToV211);
}

// ---------------------------------------------------------------------------------------------------------------
// 2.1.1 ↔ 2.2.1

function tariffUp(tariff: V211.Tariff, owner: Owner, notes: Notes): V221.Tariff {
  const { elements, energy_mix, ...rest } = tariff;
  notes.defaulted("country_code", "2.1.1 tariffs carry no owner; taken from the owner context");
  notes.defaulted("party_id", "2.1.1 tariffs carry no owner; taken from the owner context");
  return {
    ...rest,
    country_code: owner.country_code,
    party_id: owner.party_id,
    elements: elements.map((element, i) => elementUp(element, notes.at("elements").at(i))),
    ...(energy_mix === undefined ? {} : { energy_mix: energyMixUp(energy_mix, notes.at("energy_mix")) }),
  };
}

function elementUp(element: V211.TariffElement, notes: Notes): V221.TariffElement {
  const { restrictions, ...rest } = element;
  if (restrictions === undefined) return rest;
  return { ...rest, restrictions: restrictionsUp(restrictions, notes.at("restrictions")) };
}

const TIME_221 = /^([0-1][0-9]|2[0-3]):[0-5][0-9]$/;
const DATE_221 = /^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;

function restrictionsUp(restrictions: V211.TariffRestrictions, notes: Notes): V221.TariffRestrictions {
  const out: V221.TariffRestrictions = { ...restrictions };
  for (const field of ["start_time", "end_time"] as const) {
    const time = out[field];
    if (time === undefined || TIME_221.test(time)) continue;
    if (time === "24:00") {
      out[field] = "00:00";
      notes.changed(field, "24:00 written as 00:00, which 2.2.1 reads as midnight");
    } else {
      delete out[field];
      notes.dropped(field, `${time} is not a time of day 2.2.1 accepts`);
    }
  }
  for (const field of ["start_date", "end_date"] as const) {
    const date = out[field];
    if (date === undefined || DATE_221.test(date)) continue;
    delete out[field];
    notes.dropped(field, `${date} is not a YYYY-MM-DD date as 2.2.1 requires`);
  }
  return out;
}

function energyMixUp(mix: V211.EnergyMix, notes: Notes): V221.EnergyMix {
  const { environ_impact, ...rest } = mix;
  if (environ_impact === undefined) return rest;
  return {
    ...rest,
    environ_impact: environ_impact.map(({ source, ...impact }, i) => {
      notes.at("environ_impact").at(i).changed("source", "renamed to category");
      return { ...impact, category: source };
    }),
  };
}

function tariffDown(tariff: V221.Tariff, notes: Notes): V211.Tariff {
  const { country_code, party_id, type, currency, tariff_alt_text, min_price, max_price, elements, start_date_time, end_date_time, energy_mix, ...rest } =
    tariff;
  if (country_code !== undefined) notes.dropped("country_code", "2.1.1 tariffs carry no owner");
  if (party_id !== undefined) notes.dropped("party_id", "2.1.1 tariffs carry no owner");
  if (type !== undefined) notes.dropped("type", "2.1.1 has no tariff types; the tariff reads as applying to all");
  if (min_price !== undefined) notes.dropped("min_price", "2.1.1 has no minimum price");
  if (max_price !== undefined) notes.dropped("max_price", "2.1.1 has no maximum price");
  if (start_date_time !== undefined) notes.dropped("start_date_time", "2.1.1 has no tariff validity period");
  if (end_date_time !== undefined) notes.dropped("end_date_time", "2.1.1 has no tariff validity period");
  const kept: V211.TariffElement[] = [];
  elements.forEach((element, i) => {
    const at = notes.at("elements");
    if (element.restrictions?.reservation !== undefined) {
      at.dropped(String(i), "element prices a reservation, which 2.1.1 cannot express");
    } else {
      kept.push(elementDown(element, at.at(i)));
    }
  });
  if (kept.length === 0) {
    throw new RangeError("tariff has only reservation elements; 2.1.1 cannot express it");
  }
  return {
    ...rest,
    currency: fitAscii(currency, 3, "currency", notes, DECOMPOSED_ASCII),
    ...(tariff_alt_text === undefined
      ? {}
      : {
          tariff_alt_text: tariff_alt_text.map((text, i) => displayTextDown(text, notes.at("tariff_alt_text").at(i), DECOMPOSED_ASCII)),
        }),
    elements: kept,
    ...(energy_mix === undefined ? {} : { energy_mix: energyMixDown(energy_mix, notes.at("energy_mix")) }),
  };
}

function elementDown(element: V221.TariffElement, notes: Notes): V211.TariffElement {
  const { price_components, restrictions, ...rest } = element;
  const components = price_components.map(({ vat, ...component }, i) => {
    if (vat !== undefined) notes.at("price_components").at(i).dropped("vat", "2.1.1 price components have no VAT");
    return component;
  });
  const out: V211.TariffElement = { ...rest, price_components: components };
  if (restrictions !== undefined) {
    const { min_current, max_current, reservation: _reservation, ...kept } = restrictions;
    const at = notes.at("restrictions");
    if (min_current !== undefined) at.dropped("min_current", "2.1.1 restrictions have no current limits");
    if (max_current !== undefined) at.dropped("max_current", "2.1.1 restrictions have no current limits");
    out.restrictions = kept;
  }
  return out;
}

function energyMixDown(mix: V221.EnergyMix, notes: Notes): V211.EnergyMix {
  const { environ_impact, supplier_name, energy_product_name, ...rest } = mix;
  return {
    ...rest,
    ...(environ_impact === undefined
      ? {}
      : {
          environ_impact: environ_impact.map(({ category, ...impact }, i) => {
            notes.at("environ_impact").at(i).changed("category", "renamed to source");
            return { ...impact, source: category };
          }),
        }),
    ...(supplier_name === undefined ? {} : { supplier_name: fitAscii(supplier_name, 64, "supplier_name", notes, DECOMPOSED_ASCII) }),
    ...(energy_product_name === undefined ? {} : { energy_product_name: fitAscii(energy_product_name, 64, "energy_product_name", notes, DECOMPOSED_ASCII) }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 2.2.1 ↔ 2.3.0

function tariffTo230(tariff: V221.Tariff, taxIncluded: V230.TaxIncluded | undefined, notes: Notes): V230.Tariff {
  const { min_price, max_price, elements, ...rest } = tariff;
  const tax_included = taxIncluded ?? DEFAULT_TAX_INCLUDED;
  notes.defaulted("tax_included", taxIncluded === undefined ? "2.2.1 prices exclude VAT, so NO" : `${tax_included}, as the context says`);
  return {
    ...rest,
    ...(min_price === undefined ? {} : { min_price: priceLimit(min_price, notes.at("min_price")) }),
    ...(max_price === undefined ? {} : { max_price: priceLimit(max_price, notes.at("max_price")) }),
    elements: tax_included === "YES" ? withVat(elements, "add", notes) : elements,
    tax_included,
  };
}

function priceLimit(price: V221.Price, notes: Notes): V230.PriceLimit {
  const { excl_vat, incl_vat, ...rest } = price;
  notes.changed("excl_vat", "renamed to before_taxes");
  if (incl_vat !== undefined) notes.changed("incl_vat", "renamed to after_taxes");
  return { ...rest, before_taxes: excl_vat, ...(incl_vat === undefined ? {} : { after_taxes: incl_vat }) };
}

function tariffFrom230(tariff: V230.Tariff, notes: Notes): V221.Tariff {
  const { min_price, max_price, preauthorize_amount, elements, tax_included, energy_mix, ...rest } = tariff;
  if (preauthorize_amount !== undefined) notes.dropped("preauthorize_amount", "2.2.1 has no preauthorization amount");
  if (tax_included !== undefined) {
    notes.dropped(
      "tax_included",
      tax_included === "YES" ? "2.2.1 prices exclude VAT; prices with a vat are given without it" : "2.2.1 has no such field; its prices exclude VAT",
    );
  }
  return {
    ...rest,
    ...(min_price === undefined ? {} : { min_price: price(min_price, notes.at("min_price")) }),
    ...(max_price === undefined ? {} : { max_price: price(max_price, notes.at("max_price")) }),
    elements: tax_included === "YES" ? withVat(elements, "remove", notes) : elements,
    ...(energy_mix === undefined ? {} : { energy_mix: energyMixFrom230(energy_mix, notes.at("energy_mix")) }),
  };
}

function price(limit: V230.PriceLimit, notes: Notes): V221.Price {
  const { before_taxes, after_taxes, ...rest } = limit;
  notes.changed("before_taxes", "renamed to excl_vat");
  if (after_taxes !== undefined) notes.changed("after_taxes", "renamed to incl_vat");
  return { ...rest, excl_vat: before_taxes, ...(after_taxes === undefined ? {} : { incl_vat: after_taxes }) };
}

/** Adds or removes the VAT of each price component that has one, rounded to the four decimals of OCPI numbers. */
function withVat<E extends V221.TariffElement>(elements: E[], how: "add" | "remove", notes: Notes): E[] {
  return elements.map((element, i) => ({
    ...element,
    price_components: element.price_components.map((component, j) => {
      if (component.vat === undefined) return component;
      const factor = 1 + component.vat / 100;
      const price = Math.round((how === "add" ? component.price * factor : component.price / factor) * 1e4) / 1e4;
      notes
        .at("elements")
        .at(i)
        .at("price_components")
        .at(j)
        .changed("price", how === "add" ? "VAT added: the tariff includes taxes" : "VAT taken off: 2.2.1 prices exclude VAT");
      return { ...component, price };
    }),
  }));
}

function energyMixFrom230(mix: V230.EnergyMix, notes: Notes): V221.EnergyMix {
  const { environ_impact, ...rest } = mix;
  if (environ_impact === undefined) return rest;
  const kept: V221.EnvironmentalImpact[] = [];
  environ_impact.forEach((impact, i) => {
    if (isIn(ENVIRONMENTAL_IMPACT_CATEGORIES_221, impact.category)) kept.push(impact as V221.EnvironmentalImpact);
    else notes.at("environ_impact").dropped(String(i), `impact category ${impact.category} does not exist in 2.2.1`);
  });
  return { ...rest, environ_impact: kept };
}
