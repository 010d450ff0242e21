import { z } from "zod";
import { envFields } from "@plaza/kit";
import { commonSubgraphEnv, loadSubgraphConfig } from "@plaza/runtime";

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const paymentsEnvSchema = commonSubgraphEnv
  .extend({
    PAYMENTS_PORT: envFields.port(4005),
    /** `local`: the in-process PSP of the embedded default; `stripe`: the Stripe API (or stripe-mock) with the SDK. */
    PAYMENTS_PROVIDER: z.enum(["local", "stripe"]).default("local"),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_/, "must be a Stripe secret key (sk_… or rk_…)")
      .optional(),
    /** Another Stripe API server, e.g. stripe-mock in tests (http://127.0.0.1:12111). */
    STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
    /** The payment method confirmed server-side with every PaymentIntent (Stripe test mode's `pm_card_visa`). */
    STRIPE_PAYMENT_METHOD: z.string().min(1).default("pm_card_visa"),
    /** Verifies `Stripe-Signature` (Stripe: the endpoint's `whsec_…`); unset with the local provider: random per start. */
    PAYMENTS_WEBHOOK_SECRET: z.string().min(16, "PAYMENTS_WEBHOOK_SECRET must be at least 16 characters").optional(),
    /** Webhooks signed longer ago than this are refused (replays). */
    PAYMENTS_WEBHOOK_TOLERANCE_SECONDS: int(1, 3600, 300),
    /** A provider call slower than this leaves the payment pending, to be reconciled with the same key. */
    PAYMENTS_PROVIDER_TIMEOUT_MS: int(100, 120_000, 10_000),
    PAYMENTS_IDEMPOTENCY_TTL_SECONDS: int(60, 30 * 24 * 3600, 24 * 3600),
    /** Largest amount of one payment, in minor units. */
    PAYMENTS_MAX_AMOUNT: int(1, 100_000_000, 1_000_000),
    PAYMENTS_CURRENCIES: envFields
      .csv()
      .default(["USD", "EUR", "GBP"])
      .transform((codes) => codes.map((code) => code.toUpperCase()))
      .refine((codes) => codes.length > 0 && codes.every((code) => /^[A-Z]{3}$/.test(code)), "ISO 4217 codes, comma-separated"),
    PAYMENTS_MAX_PAGE_SIZE: int(1, 1_000, 100),
    /** Longest a membership may run ahead; a membership payment that would go further is refunded (compensated). */
    PAYMENTS_MEMBERSHIP_MAX_DAYS_AHEAD: int(30, 10 * 365, 400),
    /** How often pending payments nobody finished are retried with their provider key (0: never). */
    PAYMENTS_RECONCILE_INTERVAL_MS: int(0, 3_600_000, 30_000),
    /** A payment pending this long without news is reconciled. */
    PAYMENTS_RECONCILE_AFTER_MS: int(1_000, 24 * 3_600_000, 60_000),
    /** Local provider: time until a payment's outcome and its webhook. */
    PAYMENTS_LOCAL_OUTCOME_DELAY_MS: int(0, 60_000, 200),
    /** Local provider: share of payments declined at random (amounts ending in 402 always are). */
    PAYMENTS_LOCAL_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  })
  .superRefine((env, ctx) => {
    if (env.PAYMENTS_PROVIDER !== "stripe") return;
    if (!env.STRIPE_SECRET_KEY)
      ctx.addIssue({ code: "custom", path: ["STRIPE_SECRET_KEY"], message: "required with PAYMENTS_PROVIDER=stripe" });
    if (!env.PAYMENTS_WEBHOOK_SECRET)
      ctx.addIssue({ code: "custom", path: ["PAYMENTS_WEBHOOK_SECRET"], message: "required with PAYMENTS_PROVIDER=stripe" });
  });

export type PaymentsConfig = ReturnType<typeof loadPaymentsConfig>;

export const loadPaymentsConfig = (source?: Record<string, string | undefined>) =>
  loadSubgraphConfig("payments", paymentsEnvSchema, source);
