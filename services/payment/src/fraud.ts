/** The fraud rule: a pure decision over the customer's recent payment activity. */

export interface RecentActivity {
  /** Payments in the last 30 days. */
  count: number;
  /** Their sum, in euros. */
  total: number;
}

export const FRAUD_LIMITS = { maxRecentPayments: 150, maxRecentTotal: 30_000 } as const;

export type FraudVerdict = { suspicious: false } | { suspicious: true; reason: string };

export function judge(activity: RecentActivity, amount: number): FraudVerdict {
  if (activity.count + 1 > FRAUD_LIMITS.maxRecentPayments) {
    return { suspicious: true, reason: `more than ${FRAUD_LIMITS.maxRecentPayments} payments in 30 days` };
  }
  if (activity.total + amount > FRAUD_LIMITS.maxRecentTotal) {
    return { suspicious: true, reason: `more than ${FRAUD_LIMITS.maxRecentTotal} EUR in 30 days` };
  }
  return { suspicious: false };
}

/** Test tokens, in the familiar style of card test tokens. */
export const DECLINING_TOKEN = 'tok_chargeDeclined';
