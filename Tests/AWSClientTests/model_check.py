"""Checks every reply callbacksim sends against AWS's own model of the operation, as botocore ships it.

boto3 does not validate what it receives: a missing member, a misspelt one or a number sent as a string would
pass unnoticed and break another SDK. Every client the tests make records each reply's raw body here, and each
test ends by asserting that none broke the model.
"""
import json
import xml.etree.ElementTree as ElementTree

problems = []


def check_json(shape, value, path="$"):
    """Problems of a JSON value against a botocore shape: unknown members, wrong types, missing required ones."""
    found = []
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object for {shape.name}, got {type(value).__name__}"]
        members = shape.members
        for key, item in value.items():
            if key not in members:
                found.append(f"{path}.{key}: not a member of {shape.name}")
            elif item is not None:
                found += check_json(members[key], item, f"{path}.{key}")
        for required in shape.required_members:
            if value.get(required) is None:
                found.append(f"{path}.{required}: required by {shape.name}, missing")
    elif kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        for index, item in enumerate(value):
            found += check_json(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map, got {type(value).__name__}"]
        for key, item in value.items():
            found += check_json(shape.value, item, f"{path}[{key!r}]")
    elif kind == "string":
        if not isinstance(value, str):
            found.append(f"{path}: expected a string, got {value!r}")
        elif shape.enum and value not in shape.enum:
            found.append(f"{path}: {value!r} is not one of {shape.enum}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            found.append(f"{path}: expected an integer, got {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            found.append(f"{path}: expected a boolean, got {value!r}")
    elif kind in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            found.append(f"{path}: expected a number, got {value!r}")
    elif kind == "timestamp":
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            found.append(f"{path}: expected a timestamp, got {value!r}")
    return found


def local(tag):
    return tag.split("}", 1)[-1]


def serialized_name(member_name, shape):
    return shape.serialization.get("name", member_name)


def check_xml_structure(shape, element, path):
    """Every child element of a query-protocol structure must be one of its members, by its XML name."""
    found = []
    names = {}
    for name, member in shape.members.items():
        if member.type_name == "list" and member.serialization.get("flattened"):
            names[member.member.serialization.get("name", serialized_name(name, member))] = member.member
        else:
            names[serialized_name(name, member)] = member
    for child in element:
        tag = local(child.tag)
        if tag not in names:
            found.append(f"{path}/{tag}: not a member of {shape.name}")
            continue
        member = names[tag]
        if member.type_name == "structure":
            found += check_xml_structure(member, child, f"{path}/{tag}")
        elif member.type_name == "list" and not member.serialization.get("flattened"):
            for item in child:
                if member.member.type_name == "structure":
                    found += check_xml_structure(member.member, item, f"{path}/{tag}/{local(item.tag)}")
    return found


def check_reply(operation, status, headers, body, protocol):
    found = []
    if status >= 300:
        if protocol in ("json", "rest-json"):
            error = json.loads(body or b"{}")
            if "__type" not in error and "x-amzn-errortype" not in {k.lower() for k in headers}:
                found.append(f"{operation.name}: an error reply without __type or x-amzn-ErrorType")
        return found
    if operation.output_shape is None:
        return found
    if protocol == "json":
        found += check_json(operation.output_shape, json.loads(body or b"{}"), operation.name)
    elif protocol == "rest-json":
        payload = operation.output_shape.serialization.get("payload")
        if payload is None:
            members = {
                name: member for name, member in operation.output_shape.members.items()
                if member.serialization.get("location") is None
            }
            value = json.loads(body or b"{}")
            for key in value:
                if key not in members:
                    found.append(f"{operation.name}.{key}: not a member of {operation.output_shape.name}")
            for key, member in members.items():
                if key in value and value[key] is not None:
                    found += check_json(member, value[key], f"{operation.name}.{key}")
    elif protocol == "query":
        root = ElementTree.fromstring(body)
        if local(root.tag) != f"{operation.name}Response":
            found.append(f"{operation.name}: root element is {local(root.tag)}")
        wrapper = operation.output_shape.serialization.get("resultWrapper")
        result = next((child for child in root if local(child.tag) == wrapper), None)
        if result is None:
            found.append(f"{operation.name}: no <{wrapper}>")
        else:
            found += check_xml_structure(operation.output_shape, result, wrapper)
    return found


def watch(client):
    """Records, for every call `client` makes, whatever its reply does not fit in the model."""
    protocol = client.meta.service_model.protocol

    def after_call(http_response, model, **_):
        problems.extend(
            check_reply(model, http_response.status_code, http_response.headers, http_response.content, protocol))

    client.meta.events.register("after-call", after_call)
    return client
