//! The checks a cluster spec must pass, and its roles' dependency levels.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{cut, PackageError, Position, Problem};
use crate::spec::{ClusterSpec, RoleSpec, RENDERED_FILE};

/// Most nodes one role may have, and most volumes one node may have.
pub const MAX_ROLE_COUNT: u32 = 1000;
pub const MAX_VOLUMES_PER_NODE: u32 = 16;

pub(crate) fn check(spec: &ClusterSpec) -> Result<(), PackageError> {
    let fail = |at: Position, problem: Problem| PackageError::new(RENDERED_FILE, at, problem);
    if spec.roles.is_empty() {
        return Err(fail(Position::path("roles"), Problem::Invalid("a cluster needs at least one role".into())));
    }
    let mut names = BTreeSet::new();
    for (index, role) in spec.roles.iter().enumerate() {
        let at = |field: &str| Position::path(format!("roles[{index}]{field}"));
        if !is_role_name(&role.name) {
            let message =
                format!("role name {:?} must be 1-32 lower-case letters, digits or '-', starting with a letter", cut(&role.name, 40));
            return Err(fail(at(".name"), Problem::Invalid(message)));
        }
        if !names.insert(role.name.as_str()) {
            return Err(fail(at(".name"), Problem::DuplicateRole(role.name.clone())));
        }
        check_role(role).map_err(|(field, problem)| fail(at(&field), problem))?;
    }
    for (index, role) in spec.roles.iter().enumerate() {
        for (position, other) in role.after.iter().enumerate() {
            if !names.contains(other.as_str()) {
                let at = Position::path(format!("roles[{index}].after[{position}]"));
                return Err(fail(at, Problem::UnknownRole(cut(other, 40))));
            }
        }
    }
    if let Some(cycle) = find_cycle(spec) {
        let index = spec.roles.iter().position(|role| role.name == cycle[0]).unwrap_or(0);
        return Err(fail(Position::path(format!("roles[{index}].after")), Problem::Cycle(cycle)));
    }
    Ok(())
}

fn check_role(role: &RoleSpec) -> Result<(), (String, Problem)> {
    let invalid = |field: &str, message: &str| (field.to_string(), Problem::Invalid(message.to_string()));
    if role.count == 0 {
        return Err((".count".into(), Problem::ZeroCount));
    }
    if role.count > MAX_ROLE_COUNT {
        return Err(invalid(".count", &format!("count must be at most {MAX_ROLE_COUNT}")));
    }
    match (&role.sku, role.cpu, role.memory_mb) {
        (Some(sku), None, None) if sku.trim().is_empty() => return Err(invalid(".sku", "sku is empty")),
        (Some(_), None, None) => {}
        (None, Some(0), _) => return Err(invalid(".cpu", "cpu must be at least 1")),
        (None, Some(_), Some(memory_mb)) if memory_mb < 64 => return Err(invalid(".memory_mb", "memory_mb must be at least 64")),
        (None, Some(_), Some(_)) => {}
        _ => return Err(invalid(".sku", "give either sku, or cpu and memory_mb")),
    }
    if role.image.trim().is_empty() {
        return Err(invalid(".image", "image is empty"));
    }
    if let Some(volume) = role.volume {
        if volume.size_gb == 0 {
            return Err(invalid(".volume.size_gb", "size_gb must be at least 1"));
        }
        if volume.count == 0 {
            return Err((".volume.count".into(), Problem::ZeroCount));
        }
        if volume.count > MAX_VOLUMES_PER_NODE {
            return Err(invalid(".volume.count", &format!("count must be at most {MAX_VOLUMES_PER_NODE}")));
        }
    }
    if let Some(key) = role.env.keys().find(|key| !is_env_name(key)) {
        let message = format!("environment variable name {:?} must be letters, digits or '_', not starting with a digit", cut(key, 40));
        return Err((format!(".env.{}", cut(key, 40)), Problem::Invalid(message)));
    }
    Ok(())
}

/// A cycle in the `after` graph as role names (first repeated at the end), if there is one.
fn find_cycle(spec: &ClusterSpec) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let index: BTreeMap<&str, usize> = spec.roles.iter().enumerate().map(|(i, role)| (role.name.as_str(), i)).collect();
    let mut marks = vec![Mark::New; spec.roles.len()];
    // Iterative depth-first search: (role, next edge to follow); the stack is the current path.
    for start in 0..spec.roles.len() {
        if marks[start] != Mark::New {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        marks[start] = Mark::OnPath;
        while let Some(top) = stack.last_mut() {
            let (role, edge) = *top;
            let after = &spec.roles[role].after;
            if edge == after.len() {
                marks[role] = Mark::Done;
                stack.pop();
                continue;
            }
            top.1 += 1;
            // Unknown names were refused before the search.
            let Some(&next) = index.get(after[edge].as_str()) else { continue };
            match marks[next] {
                Mark::New => {
                    marks[next] = Mark::OnPath;
                    stack.push((next, 0));
                }
                Mark::OnPath => {
                    let from = stack.iter().position(|&(r, _)| r == next).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[from..].iter().map(|&(r, _)| spec.roles[r].name.clone()).collect();
                    cycle.push(spec.roles[next].name.clone());
                    return Some(cycle);
                }
                Mark::Done => {}
            }
        }
    }
    None
}

pub(crate) fn levels(spec: &ClusterSpec) -> Vec<Vec<&RoleSpec>> {
    let index: BTreeMap<&str, usize> = spec.roles.iter().enumerate().map(|(i, role)| (role.name.as_str(), i)).collect();
    let mut level: Vec<Option<usize>> = vec![None; spec.roles.len()];
    // Repeated relaxation is quadratic at worst, and specs have a handful of roles.
    let mut changed = true;
    while changed {
        changed = false;
        for (i, role) in spec.roles.iter().enumerate() {
            if level[i].is_some() {
                continue;
            }
            let deps: Option<Vec<usize>> = role.after.iter().map(|name| index.get(name.as_str()).and_then(|&d| level[d])).collect();
            if let Some(deps) = deps {
                level[i] = Some(deps.into_iter().map(|l| l + 1).max().unwrap_or(0));
                changed = true;
            }
        }
    }
    let depth = level.iter().flatten().max().map_or(0, |max| max + 1);
    let mut levels = vec![Vec::new(); depth];
    for (i, role) in spec.roles.iter().enumerate() {
        if let Some(l) = level[i] {
            levels[l].push(role);
        }
    }
    levels
}

fn is_role_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.len() <= 32
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use crate::spec::{ClusterSpec, RoleSpec};

    fn role(name: &str, after: &[&str]) -> RoleSpec {
        RoleSpec {
            name: name.into(),
            count: 1,
            sku: Some("small".into()),
            cpu: None,
            memory_mb: None,
            image: "img".into(),
            volume: None,
            user_data: None,
            env: Default::default(),
            services: Default::default(),
            after: after.iter().map(|a| a.to_string()).collect(),
            rolling: false,
        }
    }

    fn level_names(spec: &ClusterSpec) -> Vec<Vec<&str>> {
        spec.role_levels().iter().map(|level| level.iter().map(|role| role.name.as_str()).collect()).collect()
    }

    #[test]
    fn levels_follow_the_longest_chain_and_keep_spec_order() {
        // A diamond declared out of order, plus an independent role.
        let spec = ClusterSpec {
            roles: vec![
                role("web", &["api", "cache"]),
                role("api", &["db"]),
                role("cache", &["db"]),
                role("db", &[]),
                role("metrics", &[]),
            ],
        };
        spec.check().unwrap();
        assert_eq!(level_names(&spec), vec![vec!["db", "metrics"], vec!["api", "cache"], vec!["web"]]);
    }

    #[test]
    fn cycles_are_reported_as_the_path_that_closes() {
        let spec = ClusterSpec { roles: vec![role("a", &[]), role("b", &["d"]), role("c", &["b"]), role("d", &["c", "a"])] };
        let error = spec.check().unwrap_err();
        assert!(error.to_string().contains("b -> d -> c -> b"), "{error}");
        assert_eq!(error.at.path.as_deref(), Some("roles[1].after"));
    }

    #[test]
    fn an_empty_spec_is_refused() {
        assert!(ClusterSpec { roles: vec![] }.check().unwrap_err().to_string().contains("at least one role"));
    }
}
