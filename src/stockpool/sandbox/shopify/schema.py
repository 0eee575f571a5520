"""The slice of Shopify's Admin GraphQL schema a stock connector needs, per API generation
(SDL text; `versions` says which generation serves which API version, and how they differ)."""

from __future__ import annotations

from functools import cache

from graphql import GraphQLSchema, build_schema

from stockpool.sandbox.shopify.versions import Generation


class SchemaBroken(Exception):
    """The sandbox's own schema lacks what its code relies on: the sandbox's bug, never the
    client's (it answers 500)."""


_COMMON = """
scalar DateTime
scalar URL

type QueryRoot {
  shop: Shop!
  location(id: ID): Location
  locations(first: Int, after: String, last: Int, before: String, query: String,
            includeInactive: Boolean = false): LocationConnection!
  productVariant(id: ID!): ProductVariant
  productVariants(first: Int, after: String, last: Int, before: String, query: String,
                  reverse: Boolean = false): ProductVariantConnection!
  inventoryItem(id: ID!): InventoryItem
  inventoryItems(first: Int, after: String, last: Int, before: String, query: String,
                 reverse: Boolean = false): InventoryItemConnection!
  inventoryLevel(id: ID!): InventoryLevel
  order(id: ID!): Order
  refund(id: ID!): Refund
  orders(first: Int, after: String, last: Int, before: String, query: String,
         sortKey: OrderSortKeys = ID, reverse: Boolean = false): OrderConnection!
  webhookSubscription(id: ID!): WebhookSubscription
  webhookSubscriptions(first: Int, after: String, last: Int, before: String,
                       topics: [WebhookSubscriptionTopic!],
                       callbackUrl: URL): WebhookSubscriptionConnection!
}

type Mutation {
  inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
  inventoryAdjustQuantities(input: InventoryAdjustQuantitiesInput!): InventoryAdjustQuantitiesPayload
  webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!,
                            webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionCreatePayload
  webhookSubscriptionDelete(id: ID!): WebhookSubscriptionDeletePayload
  orderCancel(orderId: ID!, reason: OrderCancelReason!, restock: Boolean!, refund: Boolean,
              refundMethod: OrderCancelRefundMethodInput, notifyCustomer: Boolean = false,
              staffNote: String): OrderCancelPayload
}

schema { query: QueryRoot mutation: Mutation }

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type Shop {
  id: ID!
  name: String!
  myshopifyDomain: String!
  currencyCode: String!
  ianaTimezone: String!
}

type Location {
  id: ID!
  legacyResourceId: String!
  name: String!
  isActive: Boolean!
  isPrimary: Boolean!
  fulfillsOnlineOrders: Boolean!
  inventoryLevel(inventoryItemId: ID!): InventoryLevel
  inventoryLevels(first: Int, after: String, last: Int, before: String): InventoryLevelConnection!
}
type LocationEdge { cursor: String! node: Location! }
type LocationConnection { nodes: [Location!]! edges: [LocationEdge!]! pageInfo: PageInfo! }

type Product { id: ID! legacyResourceId: String! title: String! }

type ProductVariant {
  id: ID!
  legacyResourceId: String!
  sku: String
  title: String!
  displayName: String!
  inventoryQuantity: Int
  product: Product!
  inventoryItem: InventoryItem!
  createdAt: DateTime!
  updatedAt: DateTime!
}
type ProductVariantEdge { cursor: String! node: ProductVariant! }
type ProductVariantConnection {
  nodes: [ProductVariant!]! edges: [ProductVariantEdge!]! pageInfo: PageInfo!
}

type InventoryItem {
  id: ID!
  legacyResourceId: String!
  sku: String
  tracked: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  variant: ProductVariant!
  inventoryLevel(locationId: ID!): InventoryLevel
  inventoryLevels(first: Int, after: String, last: Int, before: String): InventoryLevelConnection!
}
type InventoryItemEdge { cursor: String! node: InventoryItem! }
type InventoryItemConnection {
  nodes: [InventoryItem!]! edges: [InventoryItemEdge!]! pageInfo: PageInfo!
}

type InventoryQuantity { id: ID! name: String! quantity: Int! updatedAt: DateTime }

type InventoryLevel {
  id: ID!
  canDeactivate: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  item: InventoryItem!
  location: Location!
  quantities(names: [String!]!): [InventoryQuantity!]!
}
type InventoryLevelEdge { cursor: String! node: InventoryLevel! }
type InventoryLevelConnection {
  nodes: [InventoryLevel!]! edges: [InventoryLevelEdge!]! pageInfo: PageInfo!
}

type InventoryChange {
  name: String!
  delta: Int!
  quantityAfterChange: Int
  ledgerDocumentUri: String
  item: InventoryItem
  location: Location
}

type InventoryAdjustmentGroup {
  id: ID!
  createdAt: DateTime!
  reason: String!
  referenceDocumentUri: String
  changes(inventoryItemIds: [ID!], locationIds: [ID!], quantityNames: [String!]): [InventoryChange!]!
}

enum InventorySetQuantitiesUserErrorCode {
  CHANGE_FROM_QUANTITY_STALE
  COMPARE_QUANTITY_REQUIRED
  COMPARE_QUANTITY_STALE
  IDEMPOTENCY_CONCURRENT_REQUEST
  IDEMPOTENCY_KEY_PARAMETER_MISMATCH
  INVALID_INVENTORY_ITEM
  INVALID_LOCATION
  INVALID_NAME
  INVALID_QUANTITY_NEGATIVE
  INVALID_QUANTITY_TOO_HIGH
  INVALID_QUANTITY_TOO_LOW
  INVALID_REASON
  INVALID_REFERENCE_DOCUMENT
  ITEM_NOT_STOCKED_AT_LOCATION
  NON_MUTABLE_INVENTORY_ITEM
  NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR
}
type InventorySetQuantitiesUserError {
  field: [String!] message: String! code: InventorySetQuantitiesUserErrorCode
}
type InventorySetQuantitiesPayload {
  inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [InventorySetQuantitiesUserError!]!
}

enum InventoryAdjustQuantitiesUserErrorCode {
  ADJUST_QUANTITIES_FAILED
  CHANGE_FROM_QUANTITY_STALE
  IDEMPOTENCY_CONCURRENT_REQUEST
  IDEMPOTENCY_KEY_PARAMETER_MISMATCH
  INTERNAL_LEDGER_DOCUMENT
  INVALID_AVAILABLE_DOCUMENT
  INVALID_INVENTORY_ITEM
  INVALID_LEDGER_DOCUMENT
  INVALID_LOCATION
  INVALID_QUANTITY_DOCUMENT
  INVALID_QUANTITY_NAME
  INVALID_QUANTITY_NEGATIVE
  INVALID_QUANTITY_TOO_HIGH
  INVALID_QUANTITY_TOO_LOW
  INVALID_REASON
  INVALID_REFERENCE_DOCUMENT
  ITEM_NOT_STOCKED_AT_LOCATION
  MAX_ONE_LEDGER_DOCUMENT
  NON_MUTABLE_INVENTORY_ITEM
}
type InventoryAdjustQuantitiesUserError {
  field: [String!] message: String! code: InventoryAdjustQuantitiesUserErrorCode
}
type InventoryAdjustQuantitiesPayload {
  inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [InventoryAdjustQuantitiesUserError!]!
}

enum OrderSortKeys { CREATED_AT UPDATED_AT PROCESSED_AT ID NUMBER }
enum OrderDisplayFinancialStatus {
  AUTHORIZED EXPIRED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED
}
enum OrderDisplayFulfillmentStatus {
  FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT RESTOCKED
  SCHEDULED UNFULFILLED
}
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
input OrderCancelRefundMethodInput { originalPaymentMethodsRefund: Boolean }
enum OrderCancelUserErrorCode { INVALID NOT_FOUND NO_REFUND_PERMISSION }
type OrderCancelUserError { field: [String!] message: String! code: OrderCancelUserErrorCode }
type Job { id: ID! done: Boolean! }
type OrderCancelPayload {
  job: Job
  orderCancelUserErrors: [OrderCancelUserError!]!
  userErrors: [UserError!]!
}
enum RefundLineItemRestockType { CANCEL LEGACY_RESTOCK NO_RESTOCK RETURN }

type Order {
  id: ID!
  legacyResourceId: String!
  name: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  processedAt: DateTime!
  cancelledAt: DateTime
  cancelReason: OrderCancelReason
  closed: Boolean!
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  lineItems(first: Int, after: String, last: Int, before: String): LineItemConnection!
  refunds(first: Int): [Refund!]!
}
type OrderEdge { cursor: String! node: Order! }
type OrderConnection { nodes: [Order!]! edges: [OrderEdge!]! pageInfo: PageInfo! }

type LineItem {
  id: ID!
  sku: String
  name: String!
  title: String!
  quantity: Int!
  currentQuantity: Int!
  refundableQuantity: Int!
  fulfillableQuantity: Int!
  unfulfilledQuantity: Int!
  variant: ProductVariant
}
type LineItemEdge { cursor: String! node: LineItem! }
type LineItemConnection { nodes: [LineItem!]! edges: [LineItemEdge!]! pageInfo: PageInfo! }

type RefundLineItem {
  id: ID
  lineItem: LineItem!
  location: Location
  quantity: Int!
  restockType: RefundLineItemRestockType!
  restocked: Boolean!
}
type RefundLineItemEdge { cursor: String! node: RefundLineItem! }
type RefundLineItemConnection { nodes: [RefundLineItem!]! edges: [RefundLineItemEdge!]! pageInfo: PageInfo! }
type Refund {
  id: ID!
  legacyResourceId: String!
  createdAt: DateTime
  updatedAt: DateTime!
  note: String
  order: Order!
  refundLineItems(first: Int, after: String, last: Int, before: String): RefundLineItemConnection!
}

enum WebhookSubscriptionTopic {
  ORDERS_CREATE ORDERS_CANCELLED ORDERS_UPDATED ORDERS_FULFILLED ORDERS_PARTIALLY_FULFILLED
  REFUNDS_CREATE
}
enum WebhookSubscriptionFormat { JSON XML }
input WebhookSubscriptionInput {
  callbackUrl: URL
  uri: String
  format: WebhookSubscriptionFormat = JSON
  includeFields: [String!]
}
type WebhookHttpEndpoint { callbackUrl: URL! }
type WebhookSubscription {
  id: ID!
  legacyResourceId: String!
  topic: WebhookSubscriptionTopic!
  callbackUrl: URL!
  uri: String!
  endpoint: WebhookHttpEndpoint!
  format: WebhookSubscriptionFormat!
  apiVersion: ApiVersion!
  createdAt: DateTime!
  updatedAt: DateTime!
}
type ApiVersion { handle: String! displayName: String! supported: Boolean! }
type WebhookSubscriptionEdge { cursor: String! node: WebhookSubscription! }
type WebhookSubscriptionConnection {
  nodes: [WebhookSubscription!]! edges: [WebhookSubscriptionEdge!]! pageInfo: PageInfo!
}
type UserError { field: [String!] message: String! }
type WebhookSubscriptionCreatePayload {
  webhookSubscription: WebhookSubscription
  userErrors: [UserError!]!
}
type WebhookSubscriptionDeletePayload {
  deletedWebhookSubscriptionId: ID
  userErrors: [UserError!]!
}
"""

_COMPARE_QUANTITY_INPUTS = """
input InventoryQuantityInput {
  inventoryItemId: ID!
  locationId: ID!
  quantity: Int!
  compareQuantity: Int
}
input InventorySetQuantitiesInput {
  name: String!
  reason: String!
  referenceDocumentUri: String
  ignoreCompareQuantity: Boolean = false
  quantities: [InventoryQuantityInput!]!
}
input InventoryChangeInput {
  delta: Int!
  inventoryItemId: ID!
  locationId: ID!
  ledgerDocumentUri: String
}
input InventoryAdjustQuantitiesInput {
  name: String!
  reason: String!
  referenceDocumentUri: String
  changes: [InventoryChangeInput!]!
}
"""

# `changeFromQuantity` is nullable (null opts out) yet must be present: the resolver checks that.
_CHANGE_FROM_QUANTITY_INPUTS = """
input InventoryQuantityInput {
  inventoryItemId: ID!
  locationId: ID!
  quantity: Int!
  changeFromQuantity: Int
}
input InventorySetQuantitiesInput {
  name: String!
  reason: String!
  referenceDocumentUri: String
  quantities: [InventoryQuantityInput!]!
}
input InventoryChangeInput {
  delta: Int!
  inventoryItemId: ID!
  locationId: ID!
  ledgerDocumentUri: String
  changeFromQuantity: Int
}
input InventoryAdjustQuantitiesInput {
  name: String!
  reason: String!
  referenceDocumentUri: String
  changes: [InventoryChangeInput!]!
}
"""

_IDEMPOTENT = """
directive @idempotent(key: String!) on FIELD
"""


@cache
def schema_for(generation: Generation) -> GraphQLSchema:
    """The schema of one generation (built once; resolvers are bound by the caller)."""
    if generation is Generation.COMPARE_QUANTITY:
        sdl = _COMMON + _COMPARE_QUANTITY_INPUTS
    elif generation is Generation.COMPARE_QUANTITY_IDEMPOTENT:
        sdl = _COMMON + _COMPARE_QUANTITY_INPUTS + _IDEMPOTENT
    else:
        sdl = _COMMON + _CHANGE_FROM_QUANTITY_INPUTS + _IDEMPOTENT
    return build_schema(sdl)
