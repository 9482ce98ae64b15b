// Package seed loads realistic customers into the table quickly, for list
// tests, benchmarks and trying the dev stack with data: names with accents
// from the shop's countries, companies (and people without one), every
// status, spread-out creation times. Items are written 25 at a time with
// BatchWriteItem by a few workers, exactly as the API would have written
// the profiles and email claims (store.Customer.Index), so lists, searches
// and logins-by-email see them like any other customer.
package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/ids"
	"backoffice/shared/store"
)

var (
	firstNames = []string{"Anna", "Ömer", "Zoë", "Jürgen", "Sofie", "Lars", "Émilie", "Thijs", "Björn", "Chloé",
		"Daan", "Fenna", "Gül", "Hanna", "Iñigo", "Jan", "Katrin", "Luuk", "Marie-José", "Noah",
		"Özlem", "Pieter", "Renée", "Saskia", "Tobias", "Ute", "Vincent", "Wiebke", "Xander", "Yara"}
	lastNames = []string{"de Vries", "Müller", "Janssen", "Schröder", "van den Berg", "Öztürk", "Bakker", "Weiß",
		"Visser", "Schäfer", "Smit", "Köhler", "de Jong", "Groß", "Mertens", "Dubois", "van Dijk", "Jäger",
		"Peeters", "Hoffmann", "Çelik", "Meijer", "Krämer", "de Boer", "Fischer", "Lefèvre", "Mulder", "Bauer"}
	companies = []string{"Bäckerei Sonnenschein", "Café de Kroon", "Édition Lumière", "Fietsenwinkel Snel",
		"Gärtnerei Grün", "Hotel Zur Post", "IJssalon Venezia", "Juwelier Goud & Zilver", "Kaasboerderij Hoeve",
		"Lütfi Import", "Möbelhaus Krause", "Notariaat Smit", "Ökoladen Bremen", "Pâtisserie Amélie",
		"Reisbureau Zon", "Schreinerei Holz", "Tandarts Mondzorg", "Uhrmacher Zeit", "Vishandel Noordzee", "Weinhaus Rhein"}
	cities    = []string{"Amsterdam", "Utrecht", "Köln", "München", "Gent", "Düsseldorf", "Groningen", "Zürich"}
	countries = []string{"NL", "NL", "DE", "DE", "BE", "DE", "NL", "CH"}
	locales   = []string{"nl", "nl", "de", "de", "nl", "de", "nl", "de"}
)

// Customers makes n customers; marker goes into every email so a test can
// tell its own apart. The same seed gives the same customers (ids aside).
func Customers(n int, marker string, seed uint64) []store.Customer {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]store.Customer, n)
	for i := range out {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		city := r.IntN(len(cities))
		created := base.Add(time.Duration(r.IntN(600*24*60)) * time.Minute).Format(time.RFC3339)
		c := store.Customer{Person: store.Person{
			ID:        ids.New(),
			Email:     fmt.Sprintf("%s.%s.%d.%s@example.com", asciiLower(first), asciiLower(last), i, marker),
			FirstName: first, LastName: last,
			Status: []string{store.StatusActive, store.StatusActive, store.StatusInactive, store.StatusInvited}[r.IntN(4)],
			Locale: locales[city], CreatedAt: created, UpdatedAt: created, Version: 1,
		}}
		if r.IntN(5) > 0 { // one in five buys as a private person
			c.Company = companies[r.IntN(len(companies))]
			c.VATNumber = fmt.Sprintf("%sB%09d", countries[city], r.IntN(1e9))
		}
		if r.IntN(3) > 0 {
			c.Phone = fmt.Sprintf("+31 6 %08d", r.IntN(1e8))
			c.Address = &store.Address{Street: fmt.Sprintf("Dorpsstraat %d", 1+r.IntN(200)),
				PostalCode: fmt.Sprintf("%04d", 1000+r.IntN(9000)), City: cities[city], Country: countries[city]}
		}
		if c.Status != store.StatusInvited {
			c.Sub = "seed-" + c.ID // as if they had accepted; seeded people can not sign in
		}
		out[i] = c
	}
	return out
}

// asciiLower makes a name usable in an email address.
func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case strings.ContainsRune("äàáâ", r):
			b.WriteByte('a')
		case strings.ContainsRune("éèë", r):
			b.WriteByte('e')
		case strings.ContainsRune("öô", r):
			b.WriteByte('o')
		case strings.ContainsRune("üû", r):
			b.WriteByte('u')
		case r == 'ñ':
			b.WriteByte('n')
		case r == 'ç':
			b.WriteByte('c')
		case r == 'ß':
			b.WriteString("ss")
		}
	}
	return b.String()
}

// Write puts the customers and their email claims into the table with
// BatchWriteItem, workers batches at a time, retrying unprocessed items.
func Write(ctx context.Context, db *store.Store, customers []store.Customer, workers int) error {
	items := make([]any, 0, 2*len(customers))
	for i := range customers {
		c := &customers[i]
		items = append(items, c.Index(), store.NewEmailClaim(store.RealmCustomer, c.Email, c.ID))
	}
	batches := make(chan []any)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if err := BatchPut(ctx, db, b); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for start := 0; start < len(items); start += 25 {
		select {
		case batches <- items[start:min(start+25, len(items))]:
		case err = <-errs:
			break feed
		}
	}
	close(batches)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

// BatchPut writes up to 25 items, retrying what DynamoDB left unprocessed.
func BatchPut(ctx context.Context, db *store.Store, items []any) error {
	reqs := make([]types.WriteRequest, 0, len(items))
	for _, it := range items {
		av, err := attributevalue.MarshalMap(it)
		if err != nil {
			return err
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
	}
	pending := map[string][]types.WriteRequest{db.Table: reqs}
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 10 {
			return fmt.Errorf("batch write: items left unprocessed after %d attempts", attempt)
		}
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 20 * time.Millisecond)
		}
		out, err := db.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return err
		}
		pending = out.UnprocessedItems
	}
	return nil
}
