package store

import (
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/text"
)

// CustomerKey is a customer's profile.
func CustomerKey(id string) Key { return Key{"CUSTOMER#" + id, profileSK} }

// CustomerPartition is the index partition of the customers with one
// status, on every list index (gsi1–gsi5): a status filter is a Query on one
// partition, and a page without one merges the three.
func CustomerPartition(status string) string { return "CUSTOMER#" + status }

// NoCompany sorts customers without a company after every company name
// (U+10FFFF is the largest code point, so its UTF-8 bytes sort last).
const NoCompany = "\U0010FFFF"

// Address is a customer's postal address.
type Address struct {
	Street     string `dynamodbav:"street" json:"street"`
	PostalCode string `dynamodbav:"postalCode" json:"postalCode"`
	City       string `dynamodbav:"city" json:"city"`
	Country    string `dynamodbav:"country" json:"country"`
}

// Customer is a customer account: a person of the customer realm, with the
// shop's business fields. Customers have no roles and no backoffice access.
type Customer struct {
	Person
	Company   string   `dynamodbav:"company,omitempty"`
	Phone     string   `dynamodbav:"phone,omitempty"`
	VATNumber string   `dynamodbav:"vatNumber,omitempty"`
	Address   *Address `dynamodbav:"address,omitempty"`
	Notes     string   `dynamodbav:"notes,omitempty"`
	CreatedBy string   `dynamodbav:"createdBy,omitempty"`

	// By company, then last and first name.
	GSI5PK string `dynamodbav:"gsi5pk,omitempty"`
	GSI5SK string `dynamodbav:"gsi5sk,omitempty"`
}

// Index sets the keys and the five list-index attributes. Call it before
// every write so the indexes never disagree with the fields.
func (c *Customer) Index() *Customer {
	part := CustomerPartition(c.Status)
	c.index(CustomerKey(c.ID), "Customer", part)
	company := text.Fold(c.Company)
	if company == "" {
		company = NoCompany
	}
	c.GSI5PK, c.GSI5SK = part, SortKey(company, text.Fold(c.LastName), text.Fold(c.FirstName), c.ID)
	return c
}

// Put writes the profile.
func (c *Customer) Put(tx *Tx, cond *expression.ConditionBuilder, onFail error) {
	tx.Put(c.Index(), cond, onFail)
}

// Roles are none: customers reach only their own self-service routes.
func (c *Customer) Roles() []string { return nil }
