import {
  createEventDispatcher,
  PaymentFailed,
  PaymentRefunded,
  PaymentSucceeded,
  type EventBus,
  type Subscription,
} from "@plaza/events";

/** Every instance needs every payment event for its own subscribers: one consumer group per instance start. */
export const PAYMENT_UPDATES_GROUP_PREFIX = "payments.live.";

/**
 * Changes made by another instance (a webhook that reached it, its reconciliation) reach `paymentUpdated`
 * subscribers connected here: the payment is reloaded and pushed to them.
 */
export function startPaymentUpdatesConsumer(deps: {
  bus: EventBus;
  instanceId: string;
  changedElsewhere(paymentId: string): Promise<void>;
}): Promise<Subscription> {
  const reload = (event: { payload: { paymentId: string } }) => deps.changedElsewhere(event.payload.paymentId);
  const dispatcher = createEventDispatcher().on(PaymentSucceeded, reload).on(PaymentFailed, reload).on(PaymentRefunded, reload);
  return deps.bus.subscribe({
    groupId: `${PAYMENT_UPDATES_GROUP_PREFIX}${deps.instanceId}`,
    topics: dispatcher.topics,
    handler: dispatcher.handle,
  });
}
