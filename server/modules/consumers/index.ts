/** Consumers: sign-in by phone and one-time code; sessions. Other modules read a consumer through `findConsumerById`. */
export { createConsumerService, MAINLAND_MOBILE, SIGN_IN_PURPOSE, type ConsumerService } from './consumer.service.js';
export { findConsumerById } from './consumer.repository.js';
