/**
 * Active ISO 4217 alphabetic codes of money a customer can pay in (List One, amendments up to
 * 2025): national currencies and the shared ones (XAF, XCD, XCG, XOF, XPF).
 *
 * Left out on purpose:
 * - withdrawn codes that libraries still list: ANG (replaced by XCG, 2025), BGN (Bulgaria uses EUR
 *   since 2026-01-01), CUC (2021), HRK (2023), SLL (redenominated to SLE), ZWL (replaced by ZWG, 2024);
 * - codes that are not money for an order: funds and units of account (BOV, CHE, CHW, CLF, COU,
 *   MXV, USN, UYI, UYW, XBA–XBD, XDR, XSU, XUA), precious metals (XAG, XAU, XPD, XPT), the testing
 *   code XTS and "no currency" XXX.
 * When ISO publishes an amendment, change this list (and its test) in one place.
 */
export const ISO_4217_CODES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP ' +
    'GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY ' +
    'KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD ' +
    'MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR ' +
    'PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN ' +
    'SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST ' +
    'XAF XCD XCG XOF XPF YER ZAR ZMW ZWG'
  ).split(' '),
);

export function isIso4217Code(code: string): boolean {
  return ISO_4217_CODES.has(code);
}
