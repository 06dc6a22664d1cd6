"""Class specs: replaced by the generated class, or a stand-in before a build."""

from __future__ import annotations

import abc
import dataclasses
import inspect

import pytest
from conftest import Project

import jaunt

SHAPES = '''
import abc
import dataclasses
import dataclasses
import jaunt


class Registry(type):
    """A custom metaclass that records every class it creates."""
    created = []

    def __new__(mcls, name, bases, namespace):
        cls = super().__new__(mcls, name, bases, namespace)
        mcls.created.append(name)
        return cls


@jaunt.magic
class Shape(abc.ABC):
    """A shape with an area."""

    @abc.abstractmethod
    def area(self) -> float: ...


@jaunt.magic
class Polygon(metaclass=abc.ABCMeta):
    def __init__(self, sides: int) -> None: ...


@jaunt.magic
class Plugin(metaclass=Registry):
    name: str = "plugin"


@jaunt.magic
@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


@dataclasses.dataclass(slots=True)
@jaunt.magic
class Size:
    width: int
    height: int
'''

GENERATED_SHAPES = """
import abc
import dataclasses
import dataclasses
from shapes.specs import Registry


class Shape(abc.ABC):
    @abc.abstractmethod
    def area(self) -> float: ...


class Square(Shape):
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side ** 2


class Polygon(metaclass=abc.ABCMeta):
    def __init__(self, sides):
        self.sides = sides


class Plugin(metaclass=Registry):
    name = "generated plugin"


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0

    def norm1(self):
        return abs(self.x) + abs(self.y)


# The spec stacks @dataclass outside @jaunt.magic, so the dataclass
# transform applies to this class.
class Size:
    width: int
    height: int

    def area(self):
        return self.width * self.height
"""


def _write_shapes(project: Project) -> None:
    project.write("shapes/__init__.py")
    project.write("shapes/specs.py", SHAPES)


def test_stand_ins_keep_metaclass_and_refuse_instantiation(project: Project) -> None:
    _write_shapes(project)
    specs = project.load("shapes.specs")

    assert isinstance(specs.Shape, abc.ABCMeta)
    assert isinstance(specs.Polygon, abc.ABCMeta)
    assert type(specs.Plugin) is specs.Registry
    assert "Plugin" in specs.Registry.created
    assert specs.Shape.__module__ == "shapes.specs"
    assert specs.Shape.__doc__ == "A shape with an area."
    assert specs.Point.__jaunt_spec__.ref == "shapes.specs:Point"
    assert specs.Point.__jaunt_spec__.object_kind == "class"

    for name, args in [("Shape", ()), ("Polygon", (5,)), ("Plugin", ()), ("Point", (1, 2)), ("Size", (1, 2))]:
        with pytest.raises(jaunt.JauntNotBuiltError) as excinfo:
            getattr(specs, name)(*args)
        assert f"shapes.specs:{name}" in str(excinfo.value)
        assert "jaunt apply" in str(excinfo.value)


def test_stand_ins_keep_their_signature_and_dataclass_behaviour(project: Project) -> None:
    _write_shapes(project)
    specs = project.load("shapes.specs")

    assert str(inspect.signature(specs.Point)) == "(x: int, y: int = 0) -> None"
    assert str(inspect.signature(specs.Polygon)) == "(sides: int) -> None"
    assert [f.name for f in dataclasses.fields(specs.Size)] == ["width", "height"]
    assert specs.Size.__slots__ == ("width", "height")


def test_user_subclasses_of_a_stand_in_construct_normally(project: Project) -> None:
    _write_shapes(project)
    specs = project.load("shapes.specs")

    class Circle(specs.Shape):
        def area(self) -> float:
            return 3.0

    class Labelled(specs.Point):
        pass

    assert Circle().area() == 3.0
    assert Labelled(1, 2).y == 2
    with pytest.raises(TypeError, match="abstract"):

        class Blob(specs.Shape):
            pass

        Blob()


def test_built_classes_are_the_generated_classes(project: Project) -> None:
    _write_shapes(project)
    project.write("shapes/__generated__/__init__.py")
    project.write("shapes/__generated__/specs.py", GENERATED_SHAPES)
    specs = project.load("shapes.specs")
    generated = project.load("shapes.__generated__.specs")

    for name in ["Shape", "Polygon", "Plugin", "Point"]:
        assert getattr(specs, name) is getattr(generated, name)
    assert isinstance(specs.Shape, abc.ABCMeta)
    assert issubclass(generated.Square, specs.Shape)
    assert generated.Square(3).area() == 9
    assert specs.Polygon(4).sides == 4
    assert type(specs.Plugin) is specs.Registry and specs.Plugin.name == "generated plugin"
    assert specs.Point(3, -4).norm1() == 7
    assert specs.Point.__jaunt_spec__.ref == "shapes.specs:Point"
    # @dataclass stacked outside @jaunt.magic applies to the generated class.
    assert specs.Size is not generated.Size  # slots=True builds a new class
    assert specs.Size(2, 3).area() == 6


def test_circular_import_falls_back_to_a_stand_in_that_resolves_later(project: Project) -> None:
    project.write("zoo/__init__.py")
    project.write(
        "zoo/animals.py",
        '''
        import jaunt

        @jaunt.magic
        class Dog:
            def __init__(self, name: str) -> None: ...

        class Collar:
            """Plain helper the generated code imports: defined after the spec."""
            colour = "red"
        ''',
    )
    project.write(
        "zoo/__generated__/animals.py",
        """
        from zoo.animals import Collar

        class Dog:
            def __init__(self, name):
                self.name = name
                self.collar = Collar()
        """,
    )
    animals = project.load("zoo.animals")
    stand_in = animals.Dog
    assert stand_in.__module__ == "zoo.animals"  # the import at decoration time failed

    rex = stand_in("Rex")
    generated = project.load("zoo.__generated__.animals")
    assert type(rex) is generated.Dog
    assert rex.name == "Rex" and rex.collar.colour == "red"
    # Later lookups of the name see the real class.
    assert animals.Dog is generated.Dog
    assert generated.Dog.__jaunt_spec__.ref == "zoo.animals:Dog"


def test_generated_module_imported_first_still_resolves(project: Project) -> None:
    project.write("zoo/__init__.py")
    project.write(
        "zoo/animals.py",
        """
        import jaunt

        class Collar:
            colour = "blue"

        @jaunt.magic
        class Cat:
            def __init__(self, name: str) -> None: ...
        """,
    )
    project.write(
        "zoo/__generated__/animals.py",
        """
        from zoo.animals import Collar

        class Cat:
            def __init__(self, name):
                self.name = name
                self.collar = Collar()
        """,
    )
    # The spec module runs while the generated module is half imported.
    generated = project.load("zoo.__generated__.animals")
    animals = project.load("zoo.animals")
    tom = animals.Cat("Tom")
    assert type(tom) is generated.Cat
    assert tom.collar.colour == "blue"


def test_nested_class_spec(project: Project) -> None:
    project.write("zoo/__init__.py")
    project.write(
        "zoo/park.py",
        """
        import jaunt

        class Park:
            @jaunt.magic
            class Gate:
                def open(self) -> bool: ...
        """,
    )
    project.write(
        "zoo/__generated__/park.py",
        """
        class Park:
            class Gate:
                def open(self):
                    return True
        """,
    )
    park = project.load("zoo.park")
    assert park.Park.Gate().open() is True
    assert park.Park.Gate.__jaunt_spec__.ref == "zoo.park:Park.Gate"


def test_test_decorator_rejects_classes() -> None:
    with pytest.raises(TypeError, match="test functions, not classes"):

        @jaunt.test
        class NotATest:
            pass
