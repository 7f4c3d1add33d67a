#!/usr/bin/env python3
"""Checks packaging/conan (Conan 2 cannot be installed here, so its contract is tested instead).

  check_recipe.py SOURCE_DIR INSTALL_PREFIX [CXX]

1. conanfile.py and test_package/conanfile.py compile as Python.
2. The recipe, read as a syntax tree: package_type "header-library", one option per optional
   content coding of cmake/XferContentCodings.cmake (with_zlib, ...) plus with_boost_asio, and a
   package_info() that names the CMake file "xfer" and the target "xfer::xfer".
3. The recipe runs against a stand-in of Conan's API: set_version() reads the version of
   include/xfer/version.hpp, export_sources() + package() lay out exactly the headers that
   `cmake --install` put under INSTALL_PREFIX/include (plus licenses/LICENSE), and package_info()
   defines the macro of each enabled option.
4. With CXX, test_package/test_package.cpp compiles against the installed headers.
"""
import ast
import fnmatch
import importlib.util
import os
import pathlib
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import types

failures = []


def fail(message):
    failures.append(message)


def class_of(tree):
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", None) == "ConanFile" for base in node.bases):
            return node
    return None


def check_syntax_tree(recipe_text, codings):
    recipe = class_of(ast.parse(recipe_text))
    if recipe is None:
        fail("conanfile.py defines no class deriving from ConanFile")
        return
    attributes = {}
    methods = {}
    for node in recipe.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    attributes[target.id] = node.value
        elif isinstance(node, ast.FunctionDef):
            methods[node.name] = node
    package_type = attributes.get("package_type")
    if not (isinstance(package_type, ast.Constant) and package_type.value == "header-library"):
        fail('package_type is not "header-library"')
    options = attributes.get("options")
    option_names = set()
    if isinstance(options, ast.Dict):
        option_names = {key.value for key in options.keys if isinstance(key, ast.Constant)}
    wanted = {f"with_{c.lower()}" for c in codings} | {"with_boost_asio"}
    if option_names != wanted:
        fail(f"options are {sorted(option_names)}, expected {sorted(wanted)} "
             "(one per XFER_WITH_* of cmake/XferContentCodings.cmake, and with_boost_asio)")
    for method in ("package", "package_info", "package_id", "requirements", "export_sources"):
        if method not in methods:
            fail(f"the recipe has no {method}() method")
    if "package_info" in methods:
        properties = {}
        for call in ast.walk(methods["package_info"]):
            if (isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "set_property"
                    and len(call.args) == 2 and all(isinstance(a, ast.Constant) for a in call.args)):
                properties[call.args[0].value] = call.args[1].value
        if properties.get("cmake_file_name") != "xfer" or properties.get("cmake_target_name") != "xfer::xfer":
            fail(f"package_info() sets {properties}; expected cmake_file_name xfer and "
                 "cmake_target_name xfer::xfer")


def conan_stand_in():
    """Modules conan, conan.tools.files, ... with the few functions the recipe uses."""
    class ConanFile:
        pass

    class ConanInvalidConfiguration(Exception):
        pass

    def copy(conanfile, pattern, src, dst, keep_path=True, excludes=None):
        copied = []
        for folder, _, files in os.walk(src):
            for name in files:
                relative = os.path.relpath(os.path.join(folder, name), src)
                if fnmatch.fnmatch(relative, pattern):
                    target = os.path.join(dst, relative if keep_path else name)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    shutil.copy2(os.path.join(folder, name), target)
                    copied.append(target)
        return copied

    def load(conanfile, path):
        return pathlib.Path(path).read_text(encoding="utf-8")

    modules = {
        "conan": types.ModuleType("conan"),
        "conan.errors": types.ModuleType("conan.errors"),
        "conan.tools": types.ModuleType("conan.tools"),
        "conan.tools.build": types.ModuleType("conan.tools.build"),
        "conan.tools.files": types.ModuleType("conan.tools.files"),
        "conan.tools.layout": types.ModuleType("conan.tools.layout"),
    }
    modules["conan"].ConanFile = ConanFile
    modules["conan.errors"].ConanInvalidConfiguration = ConanInvalidConfiguration
    modules["conan.tools.build"].check_min_cppstd = lambda conanfile, version: None
    modules["conan.tools.files"].copy = copy
    modules["conan.tools.files"].load = load
    modules["conan.tools.layout"].basic_layout = lambda conanfile, src_folder=".": None
    return modules


class CppInfo:
    def __init__(self):
        self.properties = {}
        self.defines = []
        self.system_libs = []
        self.bindirs = ["bin"]
        self.libdirs = ["lib"]

    def set_property(self, name, value):
        self.properties[name] = value


def tree_of(folder):
    return sorted(p.relative_to(folder).as_posix() for p in pathlib.Path(folder).rglob("*") if p.is_file())


def run_recipe(recipe_path, source_dir, prefix, codings):
    saved = {name: sys.modules.get(name) for name in conan_stand_in()}
    sys.modules.update(conan_stand_in())
    try:
        spec = importlib.util.spec_from_file_location("xfer_conanfile", recipe_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
    recipe = module.XferConan()
    recipe.recipe_folder = str(recipe_path.parent)

    recipe.set_version()
    version_header = (source_dir / "include/xfer/version.hpp").read_text(encoding="utf-8")
    expected = re.search(r'#define XFER_VERSION_STRING "([^"]+)"', version_header).group(1)
    if recipe.version != expected:
        fail(f"set_version() gives {recipe.version}, version.hpp says {expected}")

    with tempfile.TemporaryDirectory() as scratch:
        recipe.export_sources_folder = os.path.join(scratch, "export_source")
        recipe.export_sources()
        recipe.source_folder = recipe.export_sources_folder
        recipe.package_folder = os.path.join(scratch, "package")
        recipe.package()
        packaged = tree_of(os.path.join(recipe.package_folder, "include"))
        installed = tree_of(prefix / "include")
        if packaged != installed:
            only_conan = sorted(set(packaged) - set(installed))
            only_cmake = sorted(set(installed) - set(packaged))
            fail("package() lays out include/ unlike cmake --install:\n"
                 f"  only in the Conan package: {only_conan}\n  only in the CMake install: {only_cmake}")
        else:
            print(f"package(): {len(packaged)} headers, the same as the CMake install")
        if not os.path.isfile(os.path.join(recipe.package_folder, "licenses", "LICENSE")):
            fail("package() puts no licenses/LICENSE in the package")

    for option in recipe.options:
        chosen = {name: name == option for name in recipe.options}
        recipe.options = types.SimpleNamespace(**chosen)
        recipe.settings = types.SimpleNamespace(os="Linux")
        recipe.cpp_info = CppInfo()
        recipe.package_info()
        macro = "XFER_USE_BOOST_ASIO" if option == "with_boost_asio" else f"XFER_HAS_{option[5:].upper()}"
        if macro not in recipe.cpp_info.defines:
            fail(f"package_info() with {option}=True does not define {macro}")
        if recipe.cpp_info.libdirs or recipe.cpp_info.bindirs:
            fail("package_info() of a header library must clear libdirs and bindirs")
        recipe.options = module.XferConan.options


def main():
    source_dir = pathlib.Path(sys.argv[1])
    prefix = pathlib.Path(sys.argv[2])
    compiler = sys.argv[3] if len(sys.argv) > 3 else None
    conan_dir = source_dir / "packaging" / "conan"
    recipe_path = conan_dir / "conanfile.py"
    with tempfile.TemporaryDirectory() as scratch:
        for path in (recipe_path, conan_dir / "test_package" / "conanfile.py"):
            try:
                py_compile.compile(str(path), cfile=os.path.join(scratch, "compiled.pyc"), doraise=True)
            except py_compile.PyCompileError as error:
                fail(f"{path.relative_to(source_dir)} is not valid Python: {error}")
    if failures:
        return report()

    codings_text = (source_dir / "cmake" / "XferContentCodings.cmake").read_text(encoding="utf-8")
    codings = re.findall(r"^xfer_content_coding\(XFER_WITH_(\w+)", codings_text, re.MULTILINE)
    check_syntax_tree(recipe_path.read_text(encoding="utf-8"), codings)
    run_recipe(recipe_path, source_dir, prefix, codings)

    if compiler:
        command = [compiler, "-std=c++20", "-fsyntax-only", f"-I{prefix / 'include'}", "-DASIO_STANDALONE",
                   str(conan_dir / "test_package" / "test_package.cpp")]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            fail("test_package.cpp does not compile against the installed headers:\n" + result.stderr[-4000:])
    return report()


def report():
    if failures:
        print("packaging/conan:\n" + "\n".join(f"- {f}" for f in failures))
        return 1
    print("packaging/conan: the recipe is valid and matches the installed tree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
