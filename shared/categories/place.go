package categories

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/shared/audit"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// chunk is how many categories one transaction of a renumbering or a
// cascade delete handles (a cascade writes up to four items per category).
const chunk = 24

// place picks the rank of category self among parentID's children: the
// position sent, the middle of the gap next to a before/after sibling, or
// one step after the last child. When a gap has run out the parent's
// children are renumbered first (rare: it takes 20 inserts at one spot);
// renumbered says so, since that also rewrote self when it is a child.
func (s *Service) place(ctx context.Context, actor audit.Actor, parentID, self string, in Input) (rank int64, renumbered bool, err error) {
	if in.Position != nil {
		return *in.Position, false, nil
	}
	for attempt := 0; attempt < 2; attempt++ {
		lo, hi, err := s.bounds(ctx, parentID, self, in)
		if err != nil {
			return 0, renumbered, err
		}
		if hi-lo >= 2 {
			if mid := lo + (hi-lo)/2; mid <= MaxRank {
				return mid, renumbered, nil
			}
		}
		if err := s.renumber(ctx, actor, parentID); err != nil {
			return 0, renumbered, err
		}
		renumbered = true
	}
	return 0, renumbered, problem.Conflict.With("The order of these categories changed meanwhile; try again.")
}

// bounds returns the exclusive ranks the new rank must fall between.
func (s *Service) bounds(ctx context.Context, parentID, self string, in Input) (lo, hi int64, err error) {
	part := store.CategoryChildrenPartition(parentID)
	step := s.step()
	if in.Before == nil && in.After == nil {
		last, err := s.neighbour(ctx, part, "", false, self)
		if err != nil || last == nil {
			return 0, 2 * step, err
		}
		return last.Rank, last.Rank + 2*step, nil
	}
	field, sibID := "before", in.Before
	if in.After != nil {
		field, sibID = "after", in.After
	}
	if *sibID == self {
		return 0, 0, problem.Invalid(problem.InvalidReference(field, "must be another category"))
	}
	sib, err := s.get(ctx, *sibID)
	if errors.Is(err, problem.NotFound) || err == nil && sib.ParentID != parentID {
		return 0, 0, problem.Invalid(problem.InvalidReference(field, "must be a category under the same parent"))
	}
	if err != nil {
		return 0, 0, err
	}
	sib.Index()
	if in.After != nil {
		next, err := s.neighbour(ctx, part, sib.GSI5SK, true, self)
		if err != nil || next == nil {
			return sib.Rank, sib.Rank + 2*step, err
		}
		return sib.Rank, next.Rank, nil
	}
	prev, err := s.neighbour(ctx, part, sib.GSI5SK, false, self)
	if err != nil || prev == nil {
		return -1, sib.Rank, err
	}
	return prev.Rank, sib.Rank, nil
}

// neighbour is the first child of the partition after (forward) or before
// the sort key from ("" = from the end), skipping the category being moved.
func (s *Service) neighbour(ctx context.Context, part, from string, forward bool, skip string) (*store.Category, error) {
	key := expression.Key("gsi5pk").Equal(expression.Value(part))
	if from != "" && forward {
		key = key.And(expression.Key("gsi5sk").GreaterThan(expression.Value(from)))
	} else if from != "" {
		key = key.And(expression.Key("gsi5sk").LessThan(expression.Value(from)))
	}
	expr, err := expression.NewBuilder().WithKeyCondition(key).Build()
	if err != nil {
		return nil, err
	}
	out, err := s.Store.DB.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.Store.Table, IndexName: aws.String(store.IndexByOther), ScanIndexForward: aws.Bool(forward), Limit: aws.Int32(2),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return nil, fmt.Errorf("category neighbour: %w", err)
	}
	for _, item := range out.Items {
		var c store.Category
		if err := store.Unmarshal(item, &c); err != nil {
			return nil, err
		}
		if c.ID != skip {
			return &c, nil
		}
	}
	return nil, nil
}

// renumber spreads a parent's children one step apart again. The new ranks
// all lie above the highest old one and are written from the last child to
// the first, so after every chunk the siblings are still in their order:
// the written tail sits above the untouched head, in sequence.
func (s *Service) renumber(ctx context.Context, actor audit.Actor, parentID string) error {
	children, err := s.queryAll(ctx, store.IndexByOther, "gsi5pk", store.CategoryChildrenPartition(parentID), true)
	if err != nil || len(children) == 0 {
		return err
	}
	step := s.step()
	var base int64
	for _, c := range children {
		base = max(base, c.Rank)
	}
	if base > MaxRank-int64(len(children)+1)*step {
		return problem.Conflict.With("These categories have no room left to reorder.")
	}
	target := store.CategoryParent(parentID)
	for end := len(children); end > 0; end -= chunk {
		start := max(0, end-chunk)
		now := s.Now().UTC()
		tx := s.Store.Tx()
		for i := end - 1; i >= start; i-- {
			c := children[i]
			prev := c.Version
			c.Rank, c.Version, c.UpdatedAt = base+int64(i+1)*step, c.Version+1, now.Format(time.RFC3339)
			c.Index()
			cond := expression.Name("version").Equal(expression.Value(prev))
			tx.Update(store.CategoryKey(c.ID), expression.
				Set(expression.Name("rank"), expression.Value(c.Rank)).
				Set(expression.Name("gsi5sk"), expression.Value(c.GSI5SK)).
				Set(expression.Name("updatedAt"), expression.Value(c.UpdatedAt)).
				Set(expression.Name("version"), expression.Value(c.Version)), &cond,
				problem.Conflict.With("The order of these categories changed meanwhile; try again."))
		}
		ev := audit.New(actor, "category.renumber", "category", target,
			fmt.Sprintf("Spread out the positions of %d categories to make room", end-start), now)
		ev.Add(tx)
		if err := s.Store.Write(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}
