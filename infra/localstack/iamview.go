package localstack

import (
	"fmt"
	"io"
	"sort"
)

// FunctionPolicy is a function of the running template as infra/iam needs
// it: the name its calls are recorded under and its policies, resolved.
type FunctionPolicy struct {
	LogicalID, Name string
	Policies        any // the resolved Policies property
}

// FunctionPolicies lists every function the stack runs.
func (s *Stack) FunctionPolicies() []FunctionPolicy {
	out := make([]FunctionPolicy, 0, len(s.functions))
	for _, fn := range s.functions {
		out = append(out, FunctionPolicy{LogicalID: fn.LogicalID, Name: fn.Name, Policies: fn.Props["Policies"]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LogicalID < out[j].LogicalID })
	return out
}

// HashKeys names the partition key attribute of every table ("<name>") and
// index ("<name>/<index>") of the template, by physical table name.
func (s *Stack) HashKeys() map[string]string {
	out := map[string]string{}
	for _, id := range s.tmpl.Order {
		res := s.tmpl.Resources[id]
		if res.Type != typeTable || !s.res.enabled(res) {
			continue
		}
		props, err := s.res.resolveMap(res.Properties)
		if err != nil {
			continue
		}
		name := s.Resource(id)
		out[name] = hashKey(props["KeySchema"])
		for _, kind := range []string{"GlobalSecondaryIndexes", "LocalSecondaryIndexes"} {
			for _, ix := range asList(props[kind]) {
				m := asMap(ix)
				out[name+"/"+scalarString(m["IndexName"])] = hashKey(m["KeySchema"])
			}
		}
	}
	return out
}

func hashKey(schema any) string {
	for _, k := range asList(schema) {
		if m := asMap(k); scalarString(m["KeyType"]) == "HASH" {
			return scalarString(m["AttributeName"])
		}
	}
	return ""
}

// Config is the configuration the stack runs with (defaults filled in).
func (s *Stack) Config() Config { return s.cfg }

// What Ref and GetAtt answer for the resources the stack provisions; also
// used to resolve the template again from recorded physical ids.
func tablePhysical(region, name string) physicalResource {
	return physicalResource{ref: name, attrs: map[string]any{
		"Arn": fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, accountID, name),
	}}
}

func poolPhysical(region, poolID string) physicalResource {
	provider := fmt.Sprintf("cognito-idp.%s.amazonaws.com/%s", region, poolID)
	return physicalResource{ref: poolID, attrs: map[string]any{
		"Arn":          fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", region, accountID, poolID),
		"ProviderName": provider,
		"ProviderURL":  provider,
		"UserPoolId":   poolID,
	}}
}

func bucketPhysical(region, name string) physicalResource {
	return physicalResource{ref: name, attrs: map[string]any{
		"Arn":                "arn:aws:s3:::" + name,
		"DomainName":         name + ".s3.amazonaws.com",
		"RegionalDomainName": name + ".s3." + region + ".amazonaws.com",
	}}
}

// Physical returns the physical id of every provisioned resource (tables,
// pools, clients, buckets), by logical id: with the Config, enough to
// resolve the template again without emulators (ResolveFunctions).
func (s *Stack) Physical() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.physical))
	for id, p := range s.physical {
		if typ := s.tmpl.Resources[id].Type; typ == typeTable || typ == typeUserPool || typ == typeUserPoolClient || typ == typeBucket {
			out[id] = scalarString(p.ref)
		}
	}
	return out
}

// ResolveFunctions reads cfg's template and resolves its functions as a
// stack whose provisioned resources have the given physical ids would,
// without starting or provisioning anything (resources missing from
// physical get the ids a stack without emulators gives them). infra/iam uses
// it to check calls recorded by an earlier stack against the template as it
// is now.
func ResolveFunctions(cfg Config, physical map[string]string) ([]FunctionPolicy, map[string]string, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	tmpl, err := loadTemplate(cfg.Template)
	if err != nil {
		return nil, nil, fmt.Errorf("localstack: %w", err)
	}
	s := &Stack{cfg: cfg, tmpl: tmpl, logs: &logSink{w: io.Discard},
		functions: map[string]*function{}, physical: map[string]physicalResource{}}
	for _, id := range tmpl.Order {
		res := tmpl.Resources[id]
		ref, ok := physical[id]
		if !ok { // what a stack without emulators would make up
			switch res.Type {
			case typeTable, typeBucket:
				ref = cfg.StackName + "-" + id
			case typeUserPool:
				ref = fakeID("local_", cfg.StackName+"/"+id, 8)
			case typeUserPoolClient:
				ref = fakeID("", cfg.StackName+"/"+id, 13)
			default:
				continue
			}
		}
		switch res.Type {
		case typeTable:
			p := tablePhysical(cfg.Region, ref)
			p.attrs["StreamArn"] = p.attrs["Arn"].(string) + "/stream/local"
			s.physical[id] = p
		case typeUserPool:
			s.physical[id] = poolPhysical(cfg.Region, ref)
		case typeBucket:
			s.physical[id] = bucketPhysical(cfg.Region, ref)
		default:
			s.physical[id] = physicalResource{ref: ref, attrs: map[string]any{"ClientId": ref}}
		}
	}
	if s.res, err = newResolver(tmpl, cfg.Region, cfg.StackName, cfg.Parameters, s.lookup); err != nil {
		return nil, nil, err
	}
	if err := s.loadFunctions(); err != nil {
		return nil, nil, err
	}
	return s.FunctionPolicies(), s.HashKeys(), nil
}
