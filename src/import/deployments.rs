//! Reading a deployments CSV (`id,name,organization`) and checking every row.

use std::collections::HashSet;

use crate::domain::deployment::Deployment;
use crate::import::catalog::Problem;

/// The deployments that demo mode loads: over 500, with deliberate look-alikes
/// (same name with another number, near-identical names, transposed digits).
pub(crate) const DEMO_DEPLOYMENTS: &str = include_str!("../../data/demo/deployments.csv");

#[derive(Debug, thiserror::Error)]
#[error("the deployments file has {} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
pub struct DeploymentErrors(pub Vec<Problem>);

/// Parses rows, checking each against the organizations that exist.
pub fn parse(
    source: &str,
    known_orgs: &HashSet<String>,
) -> Result<Vec<Deployment>, DeploymentErrors> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(source.as_bytes());
    let mut problems = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(DeploymentErrors(vec![csv_problem(&e, "header")])),
    };
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(id_col), Some(name_col), Some(org_col)) =
        (column("id"), column("name"), column("organization"))
    else {
        return Err(DeploymentErrors(vec![Problem {
            line: Some(1),
            field: "header".into(),
            message: "must have the columns id, name and organization".into(),
        }]));
    };

    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(csv_problem(&e, "row"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize);
        let get = |i: usize| record.get(i).unwrap_or("").to_string();
        let (id, name, org_id) = (get(id_col), get(name_col), get(org_col));
        let mut bad = |field: &str, message: String| {
            problems.push(Problem {
                line,
                field: field.into(),
                message,
            })
        };
        if id.is_empty()
            || id.len() > 64
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            bad(
                "id",
                format!("'{id}' must be 1 to 64 letters, digits or '-'"),
            );
            continue;
        }
        if !seen.insert(id.clone()) {
            bad("id", format!("'{id}' appears twice"));
            continue;
        }
        if name.is_empty() || name.chars().count() > 100 {
            bad("name", "must be 1 to 100 characters".into());
            continue;
        }
        if crate::domain::text::check(&name).is_err() {
            bad(
                "name",
                "contains control or text-direction characters".into(),
            );
            continue;
        }
        if !known_orgs.contains(&org_id) {
            bad(
                "organization",
                format!("no organization has the id '{org_id}'"),
            );
            continue;
        }
        out.push(Deployment { id, name, org_id });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(DeploymentErrors(problems))
    }
}

fn csv_problem(e: &csv::Error, field: &str) -> Problem {
    Problem {
        line: e.position().map(|p| p.line() as usize),
        field: field.into(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orgs() -> HashSet<String> {
        ["ORG-ACME", "ORG-BOREALIS", "ORG-COBALT"]
            .map(String::from)
            .into()
    }

    #[test]
    fn demo_file_has_over_500_with_look_alikes() {
        let all = parse(DEMO_DEPLOYMENTS, &orgs()).unwrap();
        assert!(all.len() >= 500, "{}", all.len());
        let named = |n: &str| {
            all.iter()
                .filter(|d| d.name == n && d.org_id == "ORG-ACME")
                .count()
        };
        assert!(named("Main Office PBX") >= 2, "same name, other number");
        assert!(all.iter().any(|d| d.id == "233415") && all.iter().any(|d| d.id == "233451"));
        assert!(all.iter().any(|d| d.name == "Warehouse Nort"));
    }

    #[test]
    fn problems_name_line_and_field() {
        let src = "id,name,organization\n1,A,ORG-ACME\n1,B,ORG-ACME\n2,,ORG-ACME\n3,C,ORG-NOPE\n";
        let e = parse(src, &orgs()).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("line 3: id: '1' appears twice"), "{text}");
        assert!(text.contains("line 4: name: must be"), "{text}");
        assert!(
            text.contains("line 5: organization: no organization has the id 'ORG-NOPE'"),
            "{text}"
        );
    }

    #[test]
    fn missing_columns_are_refused() {
        let e = parse("id,title\n1,A\n", &orgs()).unwrap_err();
        assert!(e.to_string().contains("id, name and organization"));
    }
}
