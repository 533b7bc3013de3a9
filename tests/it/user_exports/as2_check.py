"""Reads an unpacked Agora export back as ActivityStreams 2.0, with a real JSON-LD processor.

Usage: as2_check.py DIR CONTEXT

Each JSON document of the export (DIR) is expanded by pyld with its `@context` served from
CONTEXT, the bundled copy of https://www.w3.org/ns/activitystreams (no network: any other
document asked for fails the check), against the base `https://export.invalid/` (where the
archive's relative addresses land). The expanded graph must hold what the export promises:
typed Create activities of Notes (or Questions) attributed to the Person of actor.json, with
dates typed xsd:dateTime, comments naming their post by address, attachments that are files
inside the archive, Like activities, followed people, groups and tags, and bookmarks.

Prints one JSON object summarising what it read; exits 1 with the reason on the first
mismatch, 2 when pyld is missing.
"""

import json
import os
import sys

try:
    from pyld import jsonld
except ImportError:  # The caller skips, or fails under CI.
    print("pyld is not installed", file=sys.stderr)
    sys.exit(2)

AS = "https://www.w3.org/ns/activitystreams#"
AS_CONTEXT_URL = "https://www.w3.org/ns/activitystreams"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
BASE = "https://export.invalid/"


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def loader_for(context_path):
    with open(context_path, encoding="utf-8") as f:
        context = json.load(f)

    def load(url, options=None):
        if url.rstrip("/") != AS_CONTEXT_URL and url != AS_CONTEXT_URL + ".jsonld":
            raise jsonld.JsonLdError(
                "only the bundled ActivityStreams context may be loaded",
                "jsonld.LoadDocumentError",
                {"url": url},
                code="loading document failed",
            )
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": context}

    return load


def expand(directory, name, loader):
    with open(os.path.join(directory, name), encoding="utf-8") as f:
        document = json.load(f)
    if document.get("@context") != AS_CONTEXT_URL:
        fail(f"{name}: @context is {document.get('@context')!r}")
    expanded = jsonld.expand(document, {"base": BASE, "documentLoader": loader})
    if len(expanded) != 1:
        fail(f"{name}: expands to {len(expanded)} nodes")
    return expanded[0]


def one(node, prop, where):
    values = node.get(AS + prop)
    if not values:
        fail(f"{where}: no as:{prop} in {json.dumps(node)[:400]}")
    return values[0]


def types(node):
    return [t.removeprefix(AS) for t in node.get("@type", [])]


def iri(node, prop, where):
    value = one(node, prop, where)
    if "@id" not in value:
        fail(f"{where}: as:{prop} is not a node reference: {value}")
    return value["@id"]


def date(node, prop, where):
    value = one(node, prop, where)
    if value.get("@type") != XSD_DATETIME:
        fail(f"{where}: as:{prop} is not typed xsd:dateTime: {value}")
    return value["@value"]


def items(collection, where):
    if "OrderedCollection" not in types(collection):
        fail(f"{where}: not an as:OrderedCollection but {types(collection)}")
    lists = collection.get(AS + "items")
    if not lists or "@list" not in lists[0]:
        fail(f"{where}: orderedItems did not expand to an ordered as:items list")
    listed = lists[0]["@list"]
    total = int(one(collection, "totalItems", where)["@value"])
    if total != len(listed):
        fail(f"{where}: totalItems {total} but {len(listed)} items")
    return listed


def main():
    directory, context_path = sys.argv[1], sys.argv[2]
    loader = loader_for(context_path)

    actor = expand(directory, "actor.json", loader)
    if types(actor) != ["Person"]:
        fail(f"actor.json: a {types(actor)}, not a Person")
    actor_id = actor["@id"]
    handle = one(actor, "preferredUsername", "actor.json")["@value"]
    name = one(actor, "name", "actor.json")["@value"]
    if iri(actor, "outbox", "actor.json") != BASE + "outbox.json":
        fail("actor.json: its outbox is not the archive's outbox.json")
    icon = None
    if actor.get(AS + "icon"):
        icon_node = one(actor, "icon", "actor.json")
        icon = iri(icon_node, "url", "actor.json icon")

    outbox = expand(directory, "outbox.json", loader)
    notes, replies, questions, attachments = [], [], [], []
    for index, create in enumerate(items(outbox, "outbox.json")):
        where = f"outbox.json item {index}"
        if types(create) != ["Create"]:
            fail(f"{where}: a {types(create)}, not a Create")
        if iri(create, "actor", where) != actor_id:
            fail(f"{where}: its actor is not the Person of actor.json")
        date(create, "published", where)
        note = one(create, "object", where)
        kind = types(note)
        if kind not in (["Note"], ["Question"]):
            fail(f"{where}: its object is a {kind}")
        if iri(note, "attributedTo", where) != actor_id:
            fail(f"{where}: its object is not attributed to her")
        date(note, "published", where)
        content = one(note, "content", where)["@value"]
        source = one(note, "source", where)
        entry = {"id": note["@id"], "type": kind[0], "content": content}
        if note.get(AS + "inReplyTo"):
            entry["inReplyTo"] = iri(note, "inReplyTo", where)
            replies.append(entry)
        if kind == ["Question"]:
            options = note.get(AS + "oneOf") or note.get(AS + "anyOf") or []
            entry["options"] = [one(o, "name", where)["@value"] for o in options]
            if not entry["options"]:
                fail(f"{where}: a Question without options")
            questions.append(entry)
        for attachment in note.get(AS + "attachment", []):
            url = iri(attachment, "url", where + " attachment")
            kind_of = types(attachment)
            if kind_of not in (["Image"], ["Document"]):
                fail(f"{where}: an attachment typed {kind_of}")
            media = one(attachment, "mediaType", where)["@value"]
            inside = url.startswith(BASE)
            if inside and not os.path.isfile(os.path.join(directory, url.removeprefix(BASE))):
                fail(f"{where}: attachment {url} is not in the archive")
            attachments.append({"url": url, "type": kind_of[0], "mediaType": media, "inside": inside})
        if source.get(AS + "content") is None and not isinstance(source, dict):
            fail(f"{where}: no source")
        notes.append(entry)

    likes = expand(directory, "likes.json", loader)
    liked = []
    for index, like in enumerate(items(likes, "likes.json")):
        where = f"likes.json item {index}"
        if types(like) != ["Like"] or iri(like, "actor", where) != actor_id:
            fail(f"{where}: not her Like")
        date(like, "published", where)
        liked.append(iri(like, "object", where))

    following = expand(directory, "following.json", loader)
    followed = {"Person": [], "Group": [], "Link": []}
    for index, node in enumerate(items(following, "following.json")):
        where = f"following.json item {index}"
        kind = types(node)
        if len(kind) != 1 or kind[0] not in followed:
            fail(f"{where}: a {kind}")
        if kind == ["Link"]:
            followed["Link"].append(one(node, "name", where)["@value"])
        else:
            followed[kind[0]].append(one(node, "name", where)["@value"])

    bookmarks = expand(directory, "bookmarks.json", loader)
    saved = [node["@id"] for node in items(bookmarks, "bookmarks.json")]

    print(json.dumps({
        "actor": {"id": actor_id, "name": name, "handle": handle, "icon": icon},
        "notes": notes,
        "replies": replies,
        "questions": questions,
        "attachments": attachments,
        "likes": liked,
        "following": followed,
        "bookmarks": saved,
    }))


if __name__ == "__main__":
    main()
